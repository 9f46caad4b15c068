/**
 * Replaces the user information of every URL in `text` (`scheme://user:password@host`) with `***`,
 * so a config error can quote the URL it refuses without printing the password in it. Everything
 * from `//` to the last `@` of the same word is masked: a malformed URL may hold a raw `/` or `@`.
 */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\/\/\S*@/g, '//***@')
}
