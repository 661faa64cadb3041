import { getNodesBounds, getViewportForBounds, type Node } from '@xyflow/react';
import { toPng, toSvg } from 'html-to-image';
import type { ChainReport } from '../../shared/model/chain.model.ts';
import { saveFile } from '../ui/save-file.ts';

const PADDING = 24;

function baseName(report: ChainReport): string {
  return `signet-chain-${report.reference.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 80)}`;
}

// The report exactly as main produced it, so a reviewer can re-read every verdict and reason.
export function exportReport(report: ChainReport): void {
  saveFile(`${baseName(report)}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
}

// The whole graph, not only the part on screen: the viewport is re-framed around every node for the picture.
export async function exportPicture(report: ChainReport, nodes: Node[], format: 'png' | 'svg'): Promise<void> {
  const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
  if (!viewport) throw new Error('The graph is not on screen.');
  const bounds = getNodesBounds(nodes);
  const width = Math.ceil(bounds.width + PADDING * 2);
  const height = Math.ceil(bounds.height + PADDING * 2);
  const frame = getViewportForBounds(bounds, width, height, 0.1, 2, PADDING / Math.max(width, height));
  const options = {
    backgroundColor: '#ffffff',
    width,
    height,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${frame.x}px, ${frame.y}px) scale(${frame.zoom})` },
    skipFonts: true,
  };
  const url = format === 'png' ? await toPng(viewport, options) : await toSvg(viewport, options);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${baseName(report)}.${format}`;
  link.click();
}
