/**
 * The reports of `npm run diff`: text for a terminal, Markdown for a pull request's job summary.
 *
 * Both take `notes`: extra lines per environment, printed under its heading. That is where
 * figures computed elsewhere (a cost change per environment, for example) join the report
 * without touching the diff itself.
 */
import { AZURERM_PROVIDER_VERSION } from './azurerm-force-new';
import { type EnvironmentDiff, type Impact, isLoud, type PropertyChange, type ResourceChange } from './infra-diff';

export interface RenderOptions {
  /** The base the head is compared with (`origin/main`). */
  readonly base: string;
  /** Extra lines per environment name, printed under its heading. @default - none */
  readonly notes?: ReadonlyMap<string, readonly string[]>;
  /** Longest value shown, in characters; longer ones are cut with `…`. @default 160 */
  readonly maxValueLength?: number;
}

const COLUMNS: readonly { readonly impact: readonly Impact[]; readonly label: string }[] = [
  { impact: ['create'], label: 'create' },
  { impact: ['update'], label: 'update' },
  { impact: ['replace'], label: 'replace' },
  { impact: ['may-replace'], label: 'may replace' },
  { impact: ['destroy', 'orphan'], label: 'destroy / orphan' },
];

const SYMBOL: Readonly<Record<Impact, string>> = {
  create: '+',
  update: '~',
  replace: '±',
  'may-replace': '±?',
  destroy: '-',
  orphan: '-',
};

const VERB: Readonly<Record<Impact, string>> = {
  create: 'create',
  update: 'update',
  replace: 'REPLACE',
  'may-replace': 'may replace',
  destroy: 'DESTROY',
  orphan: 'orphan',
};

const LOUD: Readonly<Record<Impact, string>> = {
  create: '',
  update: '',
  replace: 'REPLACED',
  'may-replace': 'POSSIBLY REPLACED',
  destroy: 'DESTROYED',
  orphan: 'ORPHANED',
};

/** A value as JSON on one line, cut to `max` characters; `(none)` when absent. */
export function formatValue(value: unknown, max = 160): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Old and new value on one line each, cut to `max` characters around the first difference, so
 * that two long values that start alike still show what changed.
 */
export function formatChange(before: unknown, after: unknown, max = 160): [string, string] {
  const a = before === undefined ? '(none)' : (JSON.stringify(before) ?? String(before));
  const b = after === undefined ? '(none)' : (JSON.stringify(after) ?? String(after));
  if (a.length <= max && b.length <= max) return [a, b];
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  const start = Math.max(0, first - Math.floor(max / 4));
  const cut = (text: string) => {
    const slice = text.slice(start, start + max);
    return `${start > 0 ? '…' : ''}${slice}${start + max < text.length ? '…' : ''}`;
  };
  return [cut(a), cut(b)];
}

function countLine(diff: EnvironmentDiff): string {
  if (diff.changes.length === 0) return 'no changes';
  return COLUMNS.map((c) => [c.label, diff.changes.filter((x) => c.impact.includes(x.impact)).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${n} ${label}`)
    .join(', ');
}

function propertyText(p: PropertyChange, max: number): string {
  const flag = p.replaces === 'always' ? '  (replaces)' : p.replaces === 'may' ? '  (may replace)' : '';
  const [before, after] = formatChange(p.before, p.after, max);
  return `${p.path}: ${before} → ${after}${flag}`;
}

const footer = (markdown: boolean) => {
  const text =
    'Offline comparison of the synthesized templates. Replacement comes from the CloudFormation resource ' +
    `specification (AWS, @aws-cdk/cloudformation-diff) and from the ForceNew arguments of azurerm ${AZURERM_PROVIDER_VERSION} ` +
    '(Azure). Values known only at deploy time are not seen here: a change set (`cdk diff`) or `terraform plan` ' +
    'against the account is the authority.';
  return markdown ? `_${text}_` : text;
};

/** The report for a terminal. */
export function renderText(diffs: readonly EnvironmentDiff[], options: RenderOptions): string {
  const max = options.maxValueLength ?? 160;
  const lines = [`Infrastructure diff against ${options.base}`];
  for (const diff of diffs) {
    lines.push('', `${diff.environment} (${diff.cloud}): ${countLine(diff)}`);
    for (const note of options.notes?.get(diff.environment) ?? []) lines.push(`  ${note}`);
    for (const c of diff.changes) {
      const loud = isLoud(c) ? `  !!! STATEFUL RESOURCE ${LOUD[c.impact]}` : '';
      lines.push(`  ${SYMBOL[c.impact].padEnd(2)} ${VERB[c.impact].padEnd(11)} ${c.address} [${c.type}]${loud}`);
      for (const note of c.notes) lines.push(`        ${note}`);
      if (c.impact === 'create') continue;
      for (const p of c.properties) lines.push(`        ${propertyText(p, max)}`);
    }
  }
  const loud = diffs.flatMap((d) => d.changes.filter(isLoud));
  if (loud.length > 0) {
    lines.push(
      '',
      `!!! ${loud.length} stateful resource(s) would be replaced, destroyed or orphaned: data, keys or clusters at risk.`,
    );
  }
  lines.push('', footer(false));
  return `${lines.join('\n')}\n`;
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const flat = text.replace(/\n/g, ' ');
  return flat.includes('`') ? `\`\` ${flat} \`\`` : `\`${flat}\``;
}

function markdownChange(c: ResourceChange, max: number): string[] {
  const loud = isLoud(c) ? ` ⚠️ **stateful, ${LOUD[c.impact].toLowerCase()}**` : '';
  const lines = [`- ${code(SYMBOL[c.impact])} **${VERB[c.impact]}** ${code(c.address)} (${c.type})${loud}`];
  for (const note of c.notes) lines.push(`  - ${note}`);
  if (c.impact !== 'create') {
    for (const p of c.properties) {
      const flag = p.replaces === 'always' ? ' **(replaces)**' : p.replaces === 'may' ? ' **(may replace)**' : '';
      const [before, after] = formatChange(p.before, p.after, max);
      lines.push(`  - ${code(p.path)}: ${code(before)} → ${code(after)}${flag}`);
    }
  }
  return lines;
}

/** GitHub's job summary holds at most 1 MiB per step. */
const MARKDOWN_LIMIT = 1_000_000;

/** The report for $GITHUB_STEP_SUMMARY. */
export function renderMarkdown(diffs: readonly EnvironmentDiff[], options: RenderOptions): string {
  const max = options.maxValueLength ?? 160;
  const head = [`## Infrastructure diff against ${code(options.base)}`, ''];
  const loud = diffs.flatMap((d) => d.changes.filter(isLoud).map((c) => ({ env: d.environment, c })));
  if (loud.length > 0) {
    head.push(
      '> [!CAUTION]',
      '> **Stateful resources would be replaced, destroyed or orphaned (data, keys or clusters at risk):**',
    );
    for (const { env, c } of loud) {
      head.push(
        `> - **${LOUD[c.impact]}** ${code(env)} ${code(c.address)} (${c.type})${c.notes.length ? `: ${c.notes.join('; ')}` : ''}`,
      );
    }
    head.push('');
  }
  head.push(
    `| environment | cloud | ${COLUMNS.map((c) => c.label).join(' | ')} |`,
    `|---|---|${COLUMNS.map(() => '---:').join('|')}|`,
  );
  for (const diff of diffs) {
    const counts = COLUMNS.map((col) => diff.changes.filter((c) => col.impact.includes(c.impact)).length);
    head.push(`| ${diff.environment} | ${diff.cloud} | ${counts.join(' | ')} |`);
  }
  // The cost changes in the open, above the folded details: a reviewer sees them first.
  const costs = diffs.flatMap((d) => options.notes?.get(d.environment) ?? []);
  if (costs.length > 0) head.push('', '**Monthly cost estimate:**', '', ...costs.map((n) => `- ${n}`));
  const tail = ['', footer(true), ''];
  const sections: string[] = [];
  for (const diff of diffs) {
    const notes = options.notes?.get(diff.environment) ?? [];
    if (diff.changes.length === 0 && notes.length === 0) continue;
    const section = [
      '',
      `<details><summary><b>${diff.environment}</b> (${diff.cloud}): ${countLine(diff)}</summary>`,
      '',
      ...notes.map((n) => `${n}  `),
      ...(notes.length ? [''] : []),
      ...diff.changes.flatMap((c) => markdownChange(c, max)),
      '',
      '</details>',
    ];
    sections.push(section.join('\n'));
  }
  let body = sections.join('\n');
  const budget = MARKDOWN_LIMIT - head.join('\n').length - tail.join('\n').length - 200;
  if (body.length > budget) {
    body = `${body.slice(0, body.lastIndexOf('\n', budget))}\n\n</details>\n\n_Cut to fit the job summary: run \`npm run diff\` for the rest._`;
  }
  return `${[...head, body, ...tail].join('\n')}\n`;
}
