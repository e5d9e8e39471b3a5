import { Address } from './address'
import { Customer } from './customer'
import { NewsfeedItem } from './newsfeed-item'
import { Organization } from './organization'
import { SupportTicket } from './support-ticket'
import { User } from './user'

export { Address, Customer, NewsfeedItem, Organization, SupportTicket, User }

/** Every entity of the sample, for the DataSource. */
export const entities = [Organization, User, SupportTicket, NewsfeedItem, Customer, Address]
