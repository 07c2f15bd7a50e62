/** Paths into JSON-like values and copies with one node changed: what the property tests mutate valid inputs with. */

export type Path = (string | number)[];

/** Objects and arrays; typed arrays count as leaves. */
export const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null && !ArrayBuffer.isView(v);

/** Every node of a value with its path, the root first. */
export function nodes(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  const out = [{ path, value }];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...nodes(v, [...path, i])));
  else if (isContainer(value)) for (const [k, v] of Object.entries(value)) out.push(...nodes(v, [...path, k]));
  return out;
}

/** A copy of `root` with the node at `path` replaced (or, with `remove`, deleted from its object). */
export function withNode(root: unknown, path: Path, replace: (old: unknown) => unknown, remove = false): unknown {
  if (path.length === 0) return replace(root);
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replace(parent[last]);
  return copy;
}

/** A copy with an own key added to the object at `path` (even `__proto__`, as JSON.parse and structured clone can deliver it). */
export function withKey(root: unknown, path: Path, key: string, value: unknown): unknown {
  return withNode(root, path, (obj) => {
    const copy = { ...(obj as object) };
    Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
    return copy;
  });
}

export const joined = (path: Path) => path.map(String).join('.');
