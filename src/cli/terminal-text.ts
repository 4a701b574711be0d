/**
 * A message as a person reads it in a terminal: the environment table's descriptions are Markdown
 * (they also make docs/configuration.md), whose `code` backticks are noise there. JSON output and
 * log lines keep the message as it is.
 */
export function terminalText(message: string): string {
  return message.replace(/`([^`\n]*)`/g, '$1');
}
