import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

/**
 * Just enough of kustomize to render this repository's base and overlay in TypeScript (Debian's
 * kubectl is 1.20, whose embedded kustomize is too old), and a structural check that the files are
 * valid kustomize input: every resource and patch file exists, every patch targets an object the
 * resources define, and a patch names the object it targets.
 */

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1';
  kind: 'Kustomization';
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path: string; target: { kind: string; name: string } }[];
}

/** Cluster-scoped kinds this stack uses: the namespace transformer leaves them alone. */
const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'Namespace']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A strategic merge patch as far as these manifests need it: maps merge, lists of named items
 * (containers, env, ports, volumes) merge by name, other lists are replaced.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isObj(target) && isObj(patch)) {
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) out[k] = k in target ? strategicMerge(target[k], v) : v;
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && patch.every((p) => isObj(p) && typeof p.name === 'string')) {
    const out = target.map((t) => {
      const p = patch.find((q) => isObj(t) && (q as { name: string }).name === t.name);
      return p ? strategicMerge(t, p) : t;
    });
    for (const p of patch) if (!target.some((t) => isObj(t) && t.name === (p as { name: string }).name)) out.push(p);
    return out;
  }
  return patch;
}

function readDocs(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

/** Renders a kustomization directory (resources, namespace, images, patches) into its objects. */
export function render(dir: string): K8sObject[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  let objects = k.resources.flatMap((r) => {
    const path = join(dir, r);
    return statSync(path).isDirectory() ? render(path) : readDocs(path);
  });
  for (const p of k.patches ?? []) {
    const [patch] = readDocs(join(dir, p.path));
    objects = objects.map((o) => (o.kind === p.target.kind && o.metadata.name === p.target.name ? (strategicMerge(o, patch) as K8sObject) : o));
  }
  if (k.namespace) objects = objects.map((o) => (CLUSTER_SCOPED.has(o.kind) ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace! } }));
  for (const img of k.images ?? []) objects = objects.map((o) => retag(o, img));
  return objects;
}

function retag(o: K8sObject, img: { name: string; newName?: string; newTag?: string }): K8sObject {
  const spec = (o as { spec?: { template?: { spec?: { containers?: { image: string }[] } } } }).spec?.template?.spec;
  if (!spec?.containers) return o;
  const copy = structuredClone(o);
  for (const c of (copy as typeof o & { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers) {
    const [name, tag] = c.image.split(':');
    if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag ?? tag}`;
  }
  return copy;
}

/** What is wrong with a kustomization directory as kustomize input; empty when nothing is. */
export function kustomizeProblems(dir: string): string[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) return [`${file} is missing`];
  const k = parseYaml(readFileSync(file, 'utf8')) as Partial<Kustomization>;
  const problems: string[] = [];
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') problems.push(`${file}: not a kustomize.config.k8s.io/v1beta1 Kustomization`);
  const known = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches']);
  for (const key of Object.keys(k)) if (!known.has(key)) problems.push(`${file}: field ${key} is not checked here`);
  if (!Array.isArray(k.resources) || k.resources.length === 0) return [...problems, `${file}: no resources`];
  const defined: K8sObject[] = [];
  for (const r of k.resources) {
    const path = join(dir, r);
    if (!existsSync(path)) problems.push(`${file}: resource ${r} does not exist`);
    else if (statSync(path).isDirectory()) {
      const inner = kustomizeProblems(path);
      problems.push(...inner);
      if (!inner.length) defined.push(...render(path));
    } else defined.push(...readDocs(path));
  }
  const ids = defined.map((o) => `${o.kind}/${o.metadata?.name}`);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) problems.push(`${file}: objects defined twice: ${dup.join(', ')}`);
  for (const p of k.patches ?? []) {
    const path = join(dir, p.path);
    if (!existsSync(path)) {
      problems.push(`${file}: patch ${p.path} does not exist`);
      continue;
    }
    if (!ids.includes(`${p.target?.kind}/${p.target?.name}`)) problems.push(`${file}: patch ${p.path} targets ${p.target?.kind}/${p.target?.name}, which no resource defines`);
    const [patch] = readDocs(path);
    if (patch?.kind !== p.target?.kind || patch?.metadata?.name !== p.target?.name) problems.push(`${file}: patch ${p.path} is for ${patch?.kind}/${patch?.metadata?.name}, not its target`);
    const target = defined.find((o) => o.kind === patch?.kind && o.metadata.name === patch?.metadata?.name);
    if (target && patch?.apiVersion !== target.apiVersion) problems.push(`${file}: patch ${p.path} has apiVersion ${patch?.apiVersion}, its target ${target.apiVersion}`);
  }
  for (const img of k.images ?? []) {
    const used = defined.some((o) => JSON.stringify(o).includes(`"image":"${img.name}:`));
    if (!used) problems.push(`${file}: image ${img.name} is used by no container`);
  }
  return problems.map((m) => m.replace(`${dirname(dir)}/`, ''));
}
