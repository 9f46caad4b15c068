/**
 * Header carried by every copy sent to a shadow. A request that arrives with it is itself a copy
 * (a shadow that routes back through a gateway), and copying it again could loop forever.
 */
export const MIRROR_MARKER_HEADER = 'x-shadowgate-mirror'

/**
 * Header that numbers the copies of an amplified request (`2/3`), so a shadow can tell load copies
 * apart. Set by the gateway only: a client's own value is removed from every copy.
 */
export const COPY_HEADER = 'x-shadowgate-copy'
