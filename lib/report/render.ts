/**
 * Renders a `Diagram` as a Mermaid flowchart (GitHub renders it inside Markdown) and as Graphviz
 * DOT, and DOT as SVG with the WebAssembly build of Graphviz: offline, no browser, no binary.
 */
import type { Diagram, DiagramGroup, DiagramNode, NodeShape } from './diagram';

// ---- Mermaid ----------------------------------------------------------------------------------

/** Text safe inside a quoted Mermaid label: quotes and angle brackets as entity codes. */
function mermaidText(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

const MERMAID_SHAPES: Record<NodeShape, readonly [string, string]> = {
  box: ['[', ']'],
  rounded: ['(', ')'],
  cylinder: ['[(', ')]'],
  stadium: ['([', '])'],
  hexagon: ['{{', '}}'],
  note: ['>', ']'],
};

const MERMAID_CLASSES: Record<DiagramGroup['kind'], string> = {
  network: 'fill:#f4f8ff,stroke:#4a78c2',
  subnet: 'fill:#ffffff,stroke:#8fa9d6,stroke-dasharray:4 3',
  cluster: 'fill:#f1faf1,stroke:#3f8f3f',
  gateway: 'fill:#fff8ec,stroke:#c98a1b',
  services: 'fill:#faf5ff,stroke:#8a5cc2',
  'on-premises': 'fill:#f5f5f5,stroke:#666666',
  delivery: 'fill:#fffdf0,stroke:#a89a2a',
};

function mermaidNode(n: DiagramNode, indent: string): string {
  const [open, close] = MERMAID_SHAPES[n.shape];
  return `${indent}${n.id}${open}"${n.lines.map(mermaidText).join('<br/>')}"${close}`;
}

function mermaidGroup(g: DiagramGroup, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  out.push(`${indent}subgraph ${g.id}["${mermaidText(g.label)}"]`);
  for (const n of g.nodes) out.push(mermaidNode(n, `${indent}  `));
  for (const child of g.groups) mermaidGroup(child, depth + 1, out);
  out.push(`${indent}end`);
}

function allGroups(groups: readonly DiagramGroup[]): DiagramGroup[] {
  return groups.flatMap((g) => [g, ...allGroups(g.groups)]);
}

/** The diagram as a Mermaid flowchart (without the Markdown fence). */
export function toMermaid(diagram: Diagram): string {
  const out = ['flowchart LR'];
  for (const n of diagram.nodes) out.push(mermaidNode(n, '  '));
  for (const g of diagram.groups) mermaidGroup(g, 1, out);
  for (const e of diagram.edges) {
    const arrow = e.style === 'dashed' ? '-.->' : '-->';
    out.push(`  ${e.from} ${arrow}${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${e.to}`);
  }
  for (const g of allGroups(diagram.groups)) out.push(`  style ${g.id} ${MERMAID_CLASSES[g.kind]}`);
  return `${out.join('\n')}\n`;
}

// ---- Graphviz DOT ------------------------------------------------------------------------------

function dotText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

const DOT_SHAPES: Record<NodeShape, string> = {
  box: 'shape=box, style="filled"',
  rounded: 'shape=box, style="rounded,filled"',
  cylinder: 'shape=cylinder, style="filled"',
  stadium: 'shape=box, style="rounded,filled", peripheries=2',
  hexagon: 'shape=box, style="filled", fillcolor="#eef3fb"',
  note: 'shape=note, style="filled", fillcolor="#fbfbf3"',
};

const DOT_COLOURS: Record<DiagramGroup['kind'], string> = {
  network: 'style="rounded,filled"; fillcolor="#f4f8ff"; color="#4a78c2";',
  subnet: 'style="rounded,dashed,filled"; fillcolor="#ffffff"; color="#8fa9d6";',
  cluster: 'style="rounded,filled"; fillcolor="#f1faf1"; color="#3f8f3f";',
  gateway: 'style="rounded,filled"; fillcolor="#fff8ec"; color="#c98a1b";',
  services: 'style="rounded,filled"; fillcolor="#faf5ff"; color="#8a5cc2";',
  'on-premises': 'style="rounded,filled"; fillcolor="#f5f5f5"; color="#666666";',
  delivery: 'style="rounded,filled"; fillcolor="#fffdf0"; color="#a89a2a";',
};

function dotNode(n: DiagramNode, indent: string): string {
  return `${indent}${n.id} [label="${n.lines.map(dotText).join('\\n')}", ${DOT_SHAPES[n.shape]}];`;
}

function dotGroup(g: DiagramGroup, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  out.push(`${indent}subgraph cluster_${g.id} {`);
  out.push(`${indent}  label="${dotText(g.label)}"; ${DOT_COLOURS[g.kind]}`);
  for (const n of g.nodes) out.push(dotNode(n, `${indent}  `));
  for (const child of g.groups) dotGroup(child, depth + 1, out);
  out.push(`${indent}}`);
}

/** The first node inside a group (depth first): where Graphviz anchors an edge to the group. */
function anchor(g: DiagramGroup): string | undefined {
  return g.nodes[0]?.id ?? g.groups.map(anchor).find((id) => id !== undefined);
}

/** The diagram as Graphviz DOT. */
export function toDot(diagram: Diagram): string {
  const groups = new Map(allGroups(diagram.groups).map((g) => [g.id, g]));
  const out = [
    'digraph environment {',
    `  graph [compound=true, rankdir=LR, newrank=true, fontname="Helvetica", fontsize=11, labelloc=t, label="${dotText(diagram.title)}", nodesep=0.3, ranksep=0.5];`,
    '  node [fontname="Helvetica", fontsize=10, fillcolor="#ffffff", margin="0.25,0.08"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  for (const n of diagram.nodes) out.push(dotNode(n, '  '));
  for (const g of diagram.groups) dotGroup(g, 1, out);
  for (const e of diagram.edges) {
    const from = groups.get(e.from);
    const to = groups.get(e.to);
    const tail = from ? anchor(from) : e.from;
    const head = to ? anchor(to) : e.to;
    if (!tail || !head) continue;
    const attributes = [
      e.label ? `label="${dotText(e.label)}"` : '',
      e.style === 'dashed' ? 'style=dashed' : '',
      from ? `ltail=cluster_${from.id}` : '',
      to ? `lhead=cluster_${to.id}` : '',
    ].filter(Boolean);
    out.push(`  ${tail} -> ${head}${attributes.length ? ` [${attributes.join(', ')}]` : ''};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/**
 * DOT rendered as SVG by Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`). The package
 * is an ES module and loads its WebAssembly asynchronously, hence the dynamic import.
 */
export async function renderSvg(dot: string): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(dot, 'svg');
}
