/**
 * Why a user's where/join condition text could escape the parentheses TypeORM wraps it in, or `undefined`
 * when it cannot. TypeORM renders `.where(text)` as `WHERE (text) AND <tenant condition>`; a text such as
 * `1=1) OR (1=1` closes that parenthesis early and ORs around the tenant condition.
 *
 * One linear scan, skipping string literals, quoted identifiers and comments: the parenthesis depth must never
 * go below zero and must end at zero, and every literal, identifier and block comment must be closed (an open
 * one would swallow the tenant condition). A `--` or `#` comment must end at a line break inside the text.
 *
 * `backslashEscapes`: MySQL/MariaDB, where `\'` inside a literal does not end it. PostgreSQL `E'...'` literals
 * and `$tag$...$tag$` bodies are recognised on any dialect.
 *
 * ```ts
 * conditionImbalance('a = 1 OR (b = 2)', false) // undefined
 * conditionImbalance('1=1) OR (1=1', false)     // 'a ")" that closes a parenthesis it did not open'
 * ```
 */
export function conditionImbalance(text: string, backslashEscapes: boolean): string | undefined {
  let depth = 0
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 40 /* ( */) {
      depth++
      i++
    } else if (c === 41 /* ) */) {
      if (--depth < 0) return 'a ")" that closes a parenthesis it did not open'
      i++
    } else if (c === 39 /* ' */) {
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0
      const escapes = backslashEscapes || ((prev === 69 || prev === 101) /* E e */ && !isWordChar(i >= 2 ? text.charCodeAt(i - 2) : 0))
      i = skipQuoted(text, i, 39, escapes)
      if (i < 0) return 'a string literal that is not closed'
    } else if (c === 34 /* " */ || c === 96 /* ` */) {
      // MySQL reads "..." as a string literal, with backslash escapes
      i = skipQuoted(text, i, c, c === 34 && backslashEscapes)
      if (i < 0) return 'a quoted identifier that is not closed'
    } else if ((c === 45 /* - */ && text.charCodeAt(i + 1) === 45) || (c === 35 /* # */ && backslashEscapes)) {
      const end = text.slice(i).search(/[\r\n]/)
      if (end === -1) return 'a line comment ("--") that comments out the rest of the statement'
      i += end + 1
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2)
      if (end === -1) return 'a block comment ("/*") that is not closed'
      i = end + 2
    } else if (c === 36 /* $ */ && !isWordChar(i > 0 ? text.charCodeAt(i - 1) : 0)) {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i, i + 64))
      if (tag === null) {
        i++
      } else {
        const end = text.indexOf(tag[0], i + tag[0].length)
        if (end === -1) return 'a dollar-quoted string that is not closed'
        i = end + tag[0].length
      }
    } else {
      i++
    }
  }
  return depth === 0 ? undefined : 'a "(" that is not closed'
}

/** The index after the closing quote of the literal opened at `start`, or -1 when it is not closed. */
function skipQuoted(text: string, start: number, quote: number, backslashEscapes: boolean): number {
  let i = start + 1
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (backslashEscapes && c === 92 /* \ */) {
      i += 2
    } else if (c === quote) {
      if (text.charCodeAt(i + 1) === quote) i += 2 // doubled quote: an escaped quote
      else return i + 1
    } else {
      i++
    }
  }
  return -1
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36
}

/** True for drivers whose string literals take backslash escapes by default (MySQL, MariaDB). */
export function usesBackslashEscapes(driverType: string): boolean {
  return driverType === 'mysql' || driverType === 'mariadb' || driverType === 'aurora-mysql'
}
