/** The flags every command that runs the stack takes (up, demo). */
export const STACK_FLAGS = {
  config: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  roles: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
