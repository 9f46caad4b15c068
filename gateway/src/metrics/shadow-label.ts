import type { ShadowgateConfig } from '@shadowgate/shared'

/**
 * Names shadow upstreams for the `shadow` label of the metrics: the first route (in config order)
 * whose configured shadow is that URL; a URL no route has in its config (set at run time) is
 * named by its host[:port]. Never the URL itself: it may carry credentials or a path, and a label
 * should read like a name.
 */
export function shadowLabeler(config: Pick<ShadowgateConfig, 'routes'>): (shadow: string) => string {
  const names = new Map<string, string>()
  for (const route of config.routes) {
    if (route.shadow !== undefined && !names.has(route.shadow)) names.set(route.shadow, route.name)
  }
  return (shadow) => {
    let name = names.get(shadow)
    if (name === undefined) {
      try {
        name = new URL(shadow).host
      } catch {
        name = '(invalid)'
      }
      names.set(shadow, name)
    }
    return name
  }
}
