/** Why node_modules in `dir` is out of date with its package-lock.json, or undefined when it is not. */
export function staleReason(dir: string): string | undefined;
