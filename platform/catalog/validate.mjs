// Validates Shopkit's Backstage catalog offline, the way the catalog backend would ingest it:
//   node validate.mjs <root catalog-info.yaml>
// 1. Load the root file and follow every Location target (relative paths, `*` globs allowed),
//    reading every YAML document of every file.
// 2. Resolve `$text` / `$json` / `$yaml` substitutions from files next to the catalog file.
// 3. Validate each entity: the catalog-model EntityPolicies (envelope, field formats, no foreign
//    root fields, default namespace) plus the kind's own validator (Template through
//    @backstage/plugin-scaffolder-common's templateEntityV1beta3Validator).
// 4. Check that every relation names an entity that exists (owner, system, domain, subcomponentOf,
//    providesApis, consumesApis, dependsOn, dependencyOf, memberOf, parent, children, members).
// Exit code 1 on any error; every finding names the file and the entity.
import fs from "node:fs";
import path from "node:path";
import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from "@backstage/catalog-model";
import { templateEntityV1beta3Validator } from "@backstage/plugin-scaffolder-common";
import YAML from "yaml";

const KIND_VALIDATORS = {
  api: apiEntityV1alpha1Validator,
  component: componentEntityV1alpha1Validator,
  domain: domainEntityV1alpha1Validator,
  group: groupEntityV1alpha1Validator,
  location: locationEntityV1alpha1Validator,
  resource: resourceEntityV1alpha1Validator,
  system: systemEntityV1alpha1Validator,
  template: templateEntityV1beta3Validator,
  user: userEntityV1alpha1Validator,
};

const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

// field -> kinds it may point at (first = default kind when the ref omits it)
const RELATION_FIELDS = {
  "spec.owner": ["group", "user"],
  "spec.system": ["system"],
  "spec.domain": ["domain"],
  "spec.subcomponentOf": ["component"],
  "spec.providesApis": ["api"],
  "spec.consumesApis": ["api"],
  "spec.dependsOn": [null, "component", "resource", "api", "system"],
  "spec.dependencyOf": [null, "component", "resource", "api", "system"],
  "spec.memberOf": ["group"],
  "spec.parent": ["group"],
  "spec.children": ["group"],
  "spec.members": ["user"],
  "spec.subdomainOf": ["domain"],
};

const errors = [];
const entities = []; // {entity, file}
const filesRead = [];
const error = (where, message) => errors.push(`${where}: ${message}`);
const rel = (file) => path.relative(process.cwd(), file) || file;

function globTarget(baseDir, target) {
  const parts = target.split("/").filter((p) => p !== "." && p !== "");
  let candidates = [target.startsWith("/") ? "/" : baseDir];
  for (const part of parts) {
    const next = [];
    for (const dir of candidates) {
      if (!part.includes("*")) {
        next.push(path.join(dir, part));
        continue;
      }
      const pattern = new RegExp(
        "^" + part.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$",
      );
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) continue;
      for (const name of fs.readdirSync(dir).sort()) {
        if (pattern.test(name)) next.push(path.join(dir, name));
      }
    }
    candidates = next;
  }
  return candidates.filter((c) => fs.existsSync(c));
}

function substitute(value, baseDir, where) {
  if (Array.isArray(value)) return value.map((v) => substitute(v, baseDir, where));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && ["$text", "$json", "$yaml"].includes(keys[0])) {
    const target = value[keys[0]];
    if (/^[a-z]+:\/\//i.test(target)) {
      error(where, `${keys[0]}: ${target} is a URL; this offline check needs a relative file`);
      return "";
    }
    const file = path.resolve(baseDir, target);
    if (!fs.existsSync(file)) {
      error(where, `${keys[0]}: ${target} does not exist (looked for ${rel(file)})`);
      return "";
    }
    const text = fs.readFileSync(file, "utf8");
    try {
      if (keys[0] === "$json") return JSON.parse(text);
      if (keys[0] === "$yaml") return YAML.parse(text);
    } catch (e) {
      error(where, `${keys[0]}: ${target} does not parse: ${e.message}`);
      return "";
    }
    if (!text.trim()) error(where, `${keys[0]}: ${target} is empty`);
    return text;
  }
  return Object.fromEntries(keys.map((k) => [k, substitute(value[k], baseDir, where)]));
}

function loadFile(file, seen) {
  const resolved = path.resolve(file);
  if (seen.has(resolved)) return;
  seen.add(resolved);
  if (!fs.existsSync(resolved)) {
    error(rel(resolved), "file does not exist");
    return;
  }
  filesRead.push(rel(resolved));
  const docs = YAML.parseAllDocuments(fs.readFileSync(resolved, "utf8"));
  docs.forEach((doc, index) => {
    const where = `${rel(resolved)}#${index + 1}`;
    if (doc.errors.length) {
      error(where, `YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      return;
    }
    const raw = doc.toJS();
    if (raw === null || raw === undefined) return; // empty document (e.g. a trailing ---)
    const entity = substitute(raw, path.dirname(resolved), where);
    entities.push({ entity, file: rel(resolved), where });
    if (String(entity.kind).toLowerCase() === "location") {
      const targets = [...(entity.spec?.targets ?? []), ...(entity.spec?.target ? [entity.spec.target] : [])];
      if (entity.spec?.type && entity.spec.type !== "file") {
        error(where, `Location type ${entity.spec.type}: only 'file' targets can be checked offline`);
        return;
      }
      for (const target of targets) {
        if (target.includes("*")) {
          const matches = globTarget(path.dirname(resolved), target);
          console.log(`  location ${target}: ${matches.length} file(s)`);
          matches.forEach((m) => loadFile(m, seen));
        } else {
          const file = path.resolve(path.dirname(resolved), target);
          if (!fs.existsSync(file)) {
            error(where, `Location target ${target} does not exist (looked for ${rel(file)})`);
          } else {
            loadFile(file, seen);
          }
        }
      }
    }
  });
}

async function validate({ entity, where }) {
  try {
    await policy.enforce(entity);
  } catch (e) {
    error(where, e.message);
    return false;
  }
  const validator = KIND_VALIDATORS[String(entity.kind).toLowerCase()];
  if (!validator) {
    error(where, `kind ${entity.kind} has no validator here; add one to platform/catalog/validate.mjs`);
    return false;
  }
  try {
    if ((await validator.check(entity)) !== true) {
      error(where, `${entity.apiVersion} ${entity.kind} is not a kind this validator accepts`);
      return false;
    }
  } catch (e) {
    error(where, e.message);
    return false;
  }
  return true;
}

function refsOf(entity) {
  const out = [];
  for (const [field, kinds] of Object.entries(RELATION_FIELDS)) {
    const value = entity.spec?.[field.slice(5)];
    if (value === undefined || value === null) continue;
    for (const ref of Array.isArray(value) ? value : [value]) out.push({ field, ref, kinds });
  }
  return out;
}

async function main() {
  const root = process.argv[2];
  if (!root) {
    console.error("usage: node validate.mjs <catalog-info.yaml>");
    process.exit(2);
  }
  loadFile(root, new Set());

  let valid = 0;
  const known = new Map();
  for (const item of entities) {
    if (await validate(item)) valid += 1;
    const { entity, where } = item;
    if (!entity?.kind || !entity?.metadata?.name) continue;
    const key = stringifyEntityRef({
      kind: entity.kind,
      namespace: entity.metadata.namespace ?? "default",
      name: entity.metadata.name,
    }).toLowerCase();
    if (known.has(key)) error(where, `${key} is defined twice (also in ${known.get(key)})`);
    known.set(key, where);
  }

  let references = 0;
  for (const { entity, where } of entities) {
    for (const { field, ref, kinds } of refsOf(entity)) {
      references += 1;
      let parsed;
      try {
        parsed = parseEntityRef(ref, {
          defaultKind: kinds[0] ?? undefined,
          defaultNamespace: entity.metadata?.namespace ?? "default",
        });
      } catch (e) {
        error(where, `${field}: ${e.message}`);
        continue;
      }
      const allowed = kinds.filter(Boolean);
      if (!allowed.includes(parsed.kind.toLowerCase())) {
        error(where, `${field}: ${ref} is a ${parsed.kind}; expected ${allowed.join(" or ")}`);
        continue;
      }
      if (!known.has(stringifyEntityRef(parsed).toLowerCase())) {
        error(where, `${field}: ${ref} names no entity in the catalog`);
      }
    }
  }

  const byKind = {};
  for (const { entity } of entities) byKind[entity?.kind] = (byKind[entity?.kind] ?? 0) + 1;
  console.log(`  files: ${filesRead.join(", ")}`);
  console.log(
    `  entities: ${Object.entries(byKind).map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`,
  );
  if (errors.length) {
    for (const e of errors) console.error(`ERROR ${e}`);
    console.error(`catalog: ${errors.length} error(s) in ${entities.length} entities`);
    process.exit(1);
  }
  console.log(
    `catalog: ${valid} entities valid in ${filesRead.length} file(s), ${references} references resolved`,
  );
}

await main();
