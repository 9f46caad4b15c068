import { BlockList, isIP } from 'node:net'

/**
 * The peers whose forwarding headers (`X-Forwarded-For`, `-Proto`, `-Host`, `Forwarded`) are
 * believed: the load balancers in front of the gateway (`proxy.trustedProxies`). Everyone else
 * could write anything there, so their values are replaced by what the gateway itself saw.
 */
export class TrustedProxies {
  static readonly NONE = new TrustedProxies([])
  readonly #list: BlockList | undefined

  /** @param cidrs validated CIDRs or bare addresses, IPv4 or IPv6. */
  constructor(cidrs: readonly string[]) {
    if (cidrs.length === 0) return
    const list = new BlockList()
    for (const entry of cidrs) {
      const slash = entry.indexOf('/')
      const address = slash < 0 ? entry : entry.slice(0, slash)
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
      if (slash < 0) list.addAddress(address, type)
      else list.addSubnet(address, Number(entry.slice(slash + 1)), type)
    }
    this.#list = list
  }

  /** True when the connection's peer address is one of the trusted proxies. */
  trusts(address: string | undefined): boolean {
    const list = this.#list
    if (list === undefined || address === undefined) return false
    const family = isIP(address)
    if (family === 0) return false
    if (family === 6 && address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4) {
      // A dual-stack listener reports IPv4 peers as IPv4-mapped IPv6; CIDRs are written as IPv4.
      if (list.check(address.slice(7), 'ipv4')) return true
    }
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4')
  }
}
