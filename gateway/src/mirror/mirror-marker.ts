/**
 * Header carried by every copy sent to a shadow. A request that arrives with it is itself a copy
 * (a shadow that routes back through a gateway), and copying it again could loop forever.
 */
export const MIRROR_MARKER_HEADER = 'x-shadowgate-mirror'
