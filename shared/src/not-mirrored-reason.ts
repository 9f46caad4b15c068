/**
 * Why a request was not copied to the shadow. Every request that is not mirrored is counted under
 * exactly one of these; they are metric labels and InfluxDB tag values, so the list is a contract.
 * `body_incomplete`: the request body never completed (the client went away, or the primary
 * answered without reading it), so there was nothing whole to copy. `not_forwarded`: the request
 * never reached the primary (refused by the HTTP parser or the gateway, the client gone before it
 * was forwarded, the primary unreachable), so it is copied nowhere either.
 */
export const NOT_MIRRORED_REASONS = ['no_route', 'not_sampled', 'method', 'body_too_large', 'in_flight_cap', 'circuit_open', 'loop', 'no_shadow', 'upgrade', 'body_incomplete', 'not_forwarded'] as const

export type NotMirroredReason = (typeof NOT_MIRRORED_REASONS)[number]
