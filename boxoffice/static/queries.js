// Every GraphQL document the app sends, in one place so the contract is easy to check against.

const USER_FIELDS = 'id email name role';
const AUTH_FIELDS = `token expiresAt user { ${USER_FIELDS} }`;
const EVENT_FIELDS = 'id title description venue startsAt capacity seatsRemaining waitlistLength status';
// What a waiting list does when seats free up, and the seats its open offers hold.
const POLICY_FIELDS = 'waitlistPolicy offerMinutes offeredSeats';
const LIVE_EVENT_FIELDS = `id capacity seatsRemaining waitlistLength status ${POLICY_FIELDS}`;
const MY_BOOKING_FIELDS = 'id quantity status waitlistPosition createdAt confirmedAt cancellationReason offerExpiresAt';
const HISTORY_FIELDS = 'history { at status reason waitlistPosition }';

export const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { ${AUTH_FIELDS} }
}`;

export const REGISTER = `mutation Register($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) { ${AUTH_FIELDS} }
}`;

export const ME = `query Me { me { ${USER_FIELDS} } }`;

export const PUBLISHED_EVENTS = `query PublishedEvents($after: String, $search: String) {
  events(status: PUBLISHED, first: 50, after: $after, search: $search) {
    edges { cursor node { ${EVENT_FIELDS} organizer { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const EVENT_PAGE = `query EventPage($id: ID!) {
  event(id: $id) { ${EVENT_FIELDS} ${POLICY_FIELDS} organizer { id name } myBooking { ${MY_BOOKING_FIELDS} } }
}`;

export const MY_BOOKING_FOR_EVENT = `query MyBookingForEvent($id: ID!) {
  event(id: $id) { ${LIVE_EVENT_FIELDS} myBooking { ${MY_BOOKING_FIELDS} } }
}`;

export const MY_BOOKINGS = `query MyBookings {
  myBookings { ${MY_BOOKING_FIELDS} cancelledAt ${HISTORY_FIELDS} event { id title venue startsAt status } }
}`;

export const MY_BOOKING_STATUSES = 'query MyBookingStatuses { myBookings { id status } }';

// Both carry the click's idempotencyKey, so the client's own retry after a network failure cannot act twice.
export const BOOK_EVENT = `mutation BookEvent($eventId: ID!, $quantity: Int!, $idempotencyKey: String) {
  bookEvent(eventId: $eventId, quantity: $quantity, idempotencyKey: $idempotencyKey) {
    ${MY_BOOKING_FIELDS} event { ${LIVE_EVENT_FIELDS} }
  }
}`;

export const CANCEL_BOOKING = `mutation CancelBooking($id: ID!, $idempotencyKey: String) {
  cancelBooking(id: $id, idempotencyKey: $idempotencyKey) { ${MY_BOOKING_FIELDS} event { ${LIVE_EVENT_FIELDS} } }
}`;

export const ACCEPT_OFFER = `mutation AcceptOffer($bookingId: ID!) {
  acceptOffer(bookingId: $bookingId) { ${MY_BOOKING_FIELDS} event { ${LIVE_EVENT_FIELDS} } }
}`;

export const EVENT_UPDATES = `subscription EventUpdates($eventId: ID!) {
  eventUpdates(eventId: $eventId) { ${LIVE_EVENT_FIELDS} }
}`;

export const MY_BOOKING_UPDATES = `subscription MyBookingUpdates {
  myBookingUpdates { ${MY_BOOKING_FIELDS} event { id title status } }
}`;

const MANAGED_EVENT_FIELDS = `${EVENT_FIELDS} ${POLICY_FIELDS} organizer { id name email }`;
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

const ATTENDEE_FIELDS = `id quantity status waitlistPosition createdAt confirmedAt cancelledAt offerExpiresAt
  ${HISTORY_FIELDS} user { ${USER_FIELDS} }`;

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
  users(first: 100, after: $after) { edges { node { ${USER_FIELDS} active } } pageInfo { hasNextPage endCursor } }
}`;

// The organizer console: the caller's own events first (organizerId), then, for admins, everyone's.
const GROUP_OF = (alias, status, organizer) => `${alias}: events(status: ${status}, first: 50${organizer ? ', organizerId: $me' : ''}) {
    edges { node { ${MANAGED_EVENT_FIELDS} } }
    pageInfo { hasNextPage }
  }`;

export const CONSOLE_EVENTS = `query ConsoleEvents($me: ID!) {
  me { ${USER_FIELDS} }
  ${GROUP_OF('drafts', 'DRAFT', true)}
  ${GROUP_OF('published', 'PUBLISHED', true)}
  ${GROUP_OF('cancelled', 'CANCELLED', true)}
}`;

export const CONSOLE_ALL_EVENTS = `query ConsoleAllEvents {
  ${GROUP_OF('drafts', 'DRAFT', false)}
  ${GROUP_OF('published', 'PUBLISHED', false)}
  ${GROUP_OF('cancelled', 'CANCELLED', false)}
}`;

export const EVENT_BOOKINGS_PAGE = `query EventBookingsPage($id: ID!, $status: BookingStatus, $first: Int, $after: String, $last: Int, $before: String) {
  event(id: $id) {
    id
    bookingsPage(status: $status, first: $first, after: $after, last: $last, before: $before) {
      edges { node { ${ATTENDEE_FIELDS} } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
      counts { confirmed waitlisted offered expired cancelled confirmedTickets waitlistedTickets offeredTickets cancelledTickets }
    }
  }
}`;

export const SET_USER_ACTIVE = `mutation SetUserActive($userId: ID!, $active: Boolean!) {
  setUserActive(userId: $userId, active: $active) { ${USER_FIELDS} active }
}`;

export const PURGE_SYNTHETIC = `mutation PurgeSynthetic {
  purgeSyntheticUsers {
    users events bookings seatsFreed promoted
    promotedBookings { id quantity user { id name email } event { id title } }
  }
}`;

export const CHANGE_NAME = `mutation ChangeName($name: String!) { changeName(name: $name) { ${USER_FIELDS} } }`;

export const CHANGE_PASSWORD = `mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { ${AUTH_FIELDS} }
}`;

export const DELETE_ACCOUNT = `mutation DeleteAccount($password: String!) {
  deleteAccount(password: $password) { cancelledBookings promoted }
}`;
