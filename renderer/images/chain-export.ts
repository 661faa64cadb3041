import type { ChainReport } from '../../shared/model/chain.model.ts';
import { NODE_HEIGHT, NODE_WIDTH, type ChainLayout } from '../ui/chain-layout.ts';
import { saveFile } from '../ui/save-file.ts';
import { VERDICT_VIEW } from '../ui/verdict.ts';

const PADDING = 24;
/** The PNG is drawn at twice the picture's size, so it stays sharp when zoomed or printed. */
const PNG_SCALE = 2;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const TONES = {
  ok: { line: '#1a7f37', fill: '#ffffff', ink: '#1a7f37' },
  fail: { line: '#b42318', fill: '#ffebe9', ink: '#b42318' },
  warn: { line: '#8a5a00', fill: '#fff4d6', ink: '#8a5a00' },
  off: { line: '#57606a', fill: '#ffffff', ink: '#57606a' },
} as const;
/** Rough widths of a character at the sizes used, to cut titles to the node and size edge-label backgrounds. */
const TITLE_CHAR_PX = 7.6;
const LABEL_CHAR_PX = 6.4;

function baseName(report: ChainReport): string {
  return `signet-chain-${report.reference.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 80)}`;
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

function fitted(text: string, width: number, charPx: number): string {
  const room = Math.floor(width / charPx);
  return text.length <= room ? text : `${text.slice(0, Math.max(room - 1, 1))}…`;
}

// The chain as a vector drawing made of rectangles, paths and text, laid out exactly as on screen but with every node in it.
export function chainSvg(layout: ChainLayout): { svg: string; width: number; height: number } {
  const width = layout.width + PADDING * 2;
  const height = layout.height + PADDING * 2;
  const parts: string[] = [];
  for (const edge of layout.edges) {
    const [from, to] = edge.points;
    if (!from || !to) continue;
    const middle = (from.x + to.x) / 2;
    parts.push(`<path class="chain-edge" d="M${from.x} ${from.y} C${middle} ${from.y} ${middle} ${to.y} ${to.x} ${to.y}" fill="none" stroke="#8c959f" stroke-width="1.5"/>`);
    if (edge.label) {
      const labelWidth = edge.label.length * LABEL_CHAR_PX + 8;
      const y = (from.y + to.y) / 2;
      parts.push(`<rect x="${middle - labelWidth / 2}" y="${y - 8}" width="${labelWidth}" height="16" rx="3" fill="#ffffff"/>`);
      parts.push(`<text class="edge-label" x="${middle}" y="${y + 4}" text-anchor="middle" font-size="11" fill="#57606a">${escapeXml(edge.label)}</text>`);
    }
  }
  for (const placed of layout.nodes) {
    const view = VERDICT_VIEW[placed.node.verdict];
    const tone = TONES[view.tone];
    const { x, y } = placed;
    parts.push(
      `<g class="chain-node" data-node-id="${escapeXml(placed.node.id)}">` +
        `<title>${escapeXml(`${placed.title}: ${view.word}. ${placed.node.reason}`)}</title>` +
        `<rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="8" fill="${tone.fill}" stroke="${tone.line}" stroke-width="2"${view.tone === 'off' ? ' stroke-dasharray="5 3"' : ''}/>` +
        `<text x="${x + 10}" y="${y + 17}" font-size="11" fill="#57606a" letter-spacing="0.3">${escapeXml(placed.kind.toUpperCase())}</text>` +
        `<text class="node-title" x="${x + 10}" y="${y + 36}" font-size="13" font-weight="600" fill="#1b1f24">${escapeXml(fitted(placed.title, NODE_WIDTH - 20, TITLE_CHAR_PX))}</text>` +
        `<text x="${x + 10}" y="${y + 54}" font-size="12" font-weight="600" fill="${tone.ink}">${escapeXml(`${view.icon} ${view.word}`)}</text>` +
        `</g>`,
    );
  }
  const svg =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${-PADDING} ${-PADDING} ${width} ${height}" font-family='${FONT}'>` +
    `<rect x="${-PADDING}" y="${-PADDING}" width="${width}" height="${height}" fill="#ffffff"/>${parts.join('')}</svg>\n`;
  return { svg, width, height };
}

// The report exactly as main produced it, so a reviewer can re-read every verdict and reason.
export function exportReport(report: ChainReport): void {
  saveFile(`${baseName(report)}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
}

async function pngOf(svg: string, width: number, height: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width * PNG_SCALE);
    canvas.height = Math.ceil(height * PNG_SCALE);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw a picture.');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The picture could not be encoded.'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

// The whole graph as laid out, not only the part on screen: every node (folded subtrees stay folded) in a vector SVG or a PNG drawn from it.
export async function exportPicture(report: ChainReport, layout: ChainLayout, format: 'png' | 'svg'): Promise<void> {
  const { svg, width, height } = chainSvg(layout);
  if (format === 'svg') {
    saveFile(`${baseName(report)}.svg`, svg, 'image/svg+xml');
    return;
  }
  const blob = await pngOf(svg, width, height);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${baseName(report)}.png`;
  link.click();
  URL.revokeObjectURL(link.href);
}
