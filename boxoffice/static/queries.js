// Every GraphQL document the app sends, in one place so the contract is easy to check against.

const USER_FIELDS = 'id email name role';
const AUTH_FIELDS = `token expiresAt user { ${USER_FIELDS} }`;
const EVENT_FIELDS = 'id title description venue startsAt capacity seatsRemaining waitlistLength status';
const LIVE_EVENT_FIELDS = 'id capacity seatsRemaining waitlistLength status';
const MY_BOOKING_FIELDS = 'id quantity status waitlistPosition createdAt confirmedAt';

export const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { ${AUTH_FIELDS} }
}`;

export const REGISTER = `mutation Register($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) { ${AUTH_FIELDS} }
}`;

export const ME = `query Me { me { ${USER_FIELDS} } }`;

export const PUBLISHED_EVENTS = `query PublishedEvents($after: String) {
  events(status: PUBLISHED, first: 50, after: $after) {
    edges { cursor node { ${EVENT_FIELDS} organizer { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const EVENT_PAGE = `query EventPage($id: ID!) {
  event(id: $id) { ${EVENT_FIELDS} organizer { id name } myBooking { ${MY_BOOKING_FIELDS} } }
}`;

export const MY_BOOKING_FOR_EVENT = `query MyBookingForEvent($id: ID!) {
  event(id: $id) { ${LIVE_EVENT_FIELDS} myBooking { ${MY_BOOKING_FIELDS} } }
}`;

export const MY_BOOKINGS = `query MyBookings {
  myBookings { ${MY_BOOKING_FIELDS} cancelledAt event { id title venue startsAt status } }
}`;

export const MY_BOOKING_STATUSES = 'query MyBookingStatuses { myBookings { id status } }';

export const BOOK_EVENT = `mutation BookEvent($eventId: ID!, $quantity: Int!) {
  bookEvent(eventId: $eventId, quantity: $quantity) { ${MY_BOOKING_FIELDS} event { ${LIVE_EVENT_FIELDS} } }
}`;

export const CANCEL_BOOKING = `mutation CancelBooking($id: ID!) {
  cancelBooking(id: $id) { ${MY_BOOKING_FIELDS} event { ${LIVE_EVENT_FIELDS} } }
}`;

export const EVENT_UPDATES = `subscription EventUpdates($eventId: ID!) {
  eventUpdates(eventId: $eventId) { ${LIVE_EVENT_FIELDS} }
}`;

export const MY_BOOKING_UPDATES = `subscription MyBookingUpdates {
  myBookingUpdates { ${MY_BOOKING_FIELDS} event { id title } }
}`;

const MANAGED_EVENT_FIELDS = `${EVENT_FIELDS} organizer { id name email }`;
const EVENT_PAGE_OF = (alias, status) => `${alias}: events(status: ${status}, first: 50) {
    edges { node { ${MANAGED_EVENT_FIELDS} } }
    pageInfo { hasNextPage }
  }`;

export const MANAGED_EVENTS = `query ManagedEvents {
  me { ${USER_FIELDS} }
  ${EVENT_PAGE_OF('drafts', 'DRAFT')}
  ${EVENT_PAGE_OF('published', 'PUBLISHED')}
  ${EVENT_PAGE_OF('cancelled', 'CANCELLED')}
}`;

export const CREATE_EVENT = `mutation CreateEvent($input: EventInput!) {
  createEvent(input: $input) { ${MANAGED_EVENT_FIELDS} }
}`;

export const UPDATE_EVENT = `mutation UpdateEvent($id: ID!, $input: EventUpdateInput!) {
  updateEvent(id: $id, input: $input) { ${MANAGED_EVENT_FIELDS} }
}`;

export const PUBLISH_EVENT = `mutation PublishEvent($id: ID!) {
  publishEvent(id: $id) { ${MANAGED_EVENT_FIELDS} }
}`;

export const CANCEL_EVENT = `mutation CancelEvent($id: ID!) {
  cancelEvent(id: $id) { ${MANAGED_EVENT_FIELDS} }
}`;

const ATTENDEE_FIELDS = `id quantity status waitlistPosition createdAt confirmedAt user { ${USER_FIELDS} }`;

export const EVENT_ATTENDEES = `query EventAttendees($id: ID!) {
  event(id: $id) {
    id
    confirmed: bookings(status: CONFIRMED) { ${ATTENDEE_FIELDS} }
    waitlisted: bookings(status: WAITLISTED) { ${ATTENDEE_FIELDS} }
  }
}`;

export const SIMULATE_BOOKINGS = `mutation SimulateBookings($eventId: ID!, $users: Int!) {
  simulateBookings(eventId: $eventId, users: $users) {
    eventId bookers confirmed waitlisted failed seatsRemaining waitlistLength durationMs bookingsPerSecond overbooked
  }
}`;

export const SET_USER_ROLE = `mutation SetUserRole($userId: ID!, $role: Role!) {
  setUserRole(userId: $userId, role: $role) { ${USER_FIELDS} }
}`;

// Not in the fixed contract: an admin-only, Relay-style user list. The admin page works without it.
export const USERS = `query Users($after: String) {
  users(first: 100, after: $after) { edges { node { ${USER_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
