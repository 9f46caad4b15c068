/**
 * Why a request was not copied to the shadow. Every request that is not mirrored is counted under
 * exactly one of these; they are metric labels and InfluxDB tag values, so the list is a contract.
 */
export const NOT_MIRRORED_REASONS = ['no_route', 'not_sampled', 'method', 'body_too_large', 'in_flight_cap', 'circuit_open', 'loop', 'no_shadow', 'upgrade'] as const

export type NotMirroredReason = (typeof NOT_MIRRORED_REASONS)[number]
