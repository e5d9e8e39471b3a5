// Selects the TypeORM line the suite runs on: TYPEORM_LINE=1 redirects every `typeorm` import
// (the plugin's, the specs', the drivers') to the `typeorm-1` alias installed next to `typeorm` 0.3.
'use strict'
const Module = require('node:module')

if (process.env.TYPEORM_LINE === '1') {
  const resolve = Module._resolveFilename
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'typeorm' || request.startsWith('typeorm/')) request = 'typeorm-1' + request.slice('typeorm'.length)
    return resolve.call(this, request, ...rest)
  }
}
