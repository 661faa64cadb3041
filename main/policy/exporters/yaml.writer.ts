/** A value the writer can put in YAML: what JSON can hold. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

const PLAIN_KEY = /^[A-Za-z0-9_./-]+$/;
const PLAIN_VALUE = /^[A-Za-z][A-Za-z0-9_./-]*$/;
/** Words YAML 1.1 readers turn into booleans or null when left unquoted. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

// Cluster admins read and diff these files: block style, PEMs as literal blocks, every other string quoted.
export function toYaml(value: YamlValue): string {
  return `${lines(value, 0).join('\n')}\n`;
}

// Several Kubernetes objects in one file, as `kubectl apply -f` takes them.
export function toYamlDocuments(values: YamlValue[], header: string[] = []): string {
  return `${header.map((line) => `# ${line}\n`).join('')}${values.map((v) => `---\n${toYaml(v)}`).join('')}`;
}

function lines(value: YamlValue, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (isScalar(item) && !isBlock(item)) return [`${pad}- ${scalar(item)}`];
      if (isBlock(item)) return [`${pad}- ${blockHeader(item as string)}`, ...blockBody(item as string, indent + 2)];
      if (isEmpty(item)) return [`${pad}- ${Array.isArray(item) ? '[]' : '{}'}`];
      const nested = lines(item, indent + 2);
      return [`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1)];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter((entry): entry is [string, YamlValue] => entry[1] !== undefined);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, item]) => {
      const name = PLAIN_KEY.test(key) ? key : JSON.stringify(key);
      if (isBlock(item)) return [`${pad}${name}: ${blockHeader(item as string)}`, ...blockBody(item as string, indent + 2)];
      if (isScalar(item)) return [`${pad}${name}: ${scalar(item)}`];
      if (isEmpty(item)) return [`${pad}${name}: ${Array.isArray(item) ? '[]' : '{}'}`];
      return [`${pad}${name}:`, ...lines(item, indent + 2)];
    });
  }
  return [`${pad}${scalar(value)}`];
}

function isScalar(value: YamlValue): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function isEmpty(value: YamlValue): boolean {
  return Array.isArray(value) ? value.length === 0 : value !== null && typeof value === 'object' && Object.values(value).every((v) => v === undefined);
}

// Multi-line text such as a PEM or a Rego module reads best as a literal block; odd text stays a quoted string.
function isBlock(value: YamlValue): boolean {
  return typeof value === 'string' && value.includes('\n') && !/[\r\t]/.test(value) && !/^\s/.test(value) && value.trim().length > 0;
}

function blockHeader(text: string): string {
  if (!text.endsWith('\n')) return '|-';
  return text.endsWith('\n\n') ? '|+' : '|';
}

function blockBody(text: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return body.split('\n').map((line) => (line.length === 0 ? '' : `${pad}${line}`));
}

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return PLAIN_VALUE.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}
