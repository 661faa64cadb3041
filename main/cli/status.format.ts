import type { SystemStatus } from '../../shared/model/system.model.ts';
import { escapeControls } from '../../shared/terminal-text.ts';

// A plain-text report of system.status for terminals, one line per fact, problems in words; what modules and tokens report is shown with its control characters visible.
export function formatStatus(status: SystemStatus): string {
  const lines: string[] = [];
  const v = status.versions;
  lines.push(`Signet ${v.signet} (${v.host}) on ${v.platform}/${v.arch}, Node ${v.node}${v.electron ? `, Electron ${v.electron}` : ''}`);
  lines.push('', 'PKCS#11 modules:');
  if (status.pkcs11Modules.length === 0) lines.push('  none found; add a module path in the settings');
  for (const m of status.pkcs11Modules) {
    const what = m.library ? `${m.library.description} ${m.library.libraryVersion} (${m.library.manufacturer})` : 'not loaded';
    lines.push(`  ${m.loaded ? 'ok  ' : 'FAIL'} ${m.kind.padEnd(8)} ${m.path}  ${what}${m.source === 'configured' ? '  [configured]' : ''}`);
    if (m.error) lines.push(`         ${m.error.message}`);
    for (const slot of m.slots) {
      const token = slot.token
        ? `token "${slot.token.label}" serial ${slot.token.serial}${slot.token.initialized ? '' : ' (not initialised)'}${slot.token.userPinLocked ? ' PIN LOCKED' : ''}`
        : 'no token';
      lines.push(`         slot ${slot.slotId}: ${token}`);
    }
  }
  lines.push('', 'OS keychain:');
  lines.push(`  ${status.keychain.available ? 'ok  ' : 'FAIL'} ${status.keychain.backend}: ${status.keychain.detail}`);
  lines.push('', 'Registries:');
  if (status.registries.length === 0) lines.push('  none configured');
  for (const r of status.registries) {
    const state = r.reachable ? `reachable in ${r.latencyMs} ms, auth ${r.auth}` : (r.error?.message ?? 'unreachable');
    lines.push(`  ${r.reachable ? 'ok  ' : 'FAIL'} ${r.name} ${r.url}  ${state}`);
  }
  lines.push('', 'Tools:');
  for (const t of status.tools) {
    const state = t.found ? `${t.version ?? 'version unknown'}  ${t.path}` : 'not found';
    lines.push(`  ${t.found && !t.error ? 'ok  ' : '--  '} ${t.name.padEnd(16)} ${state}${t.error ? `  ${t.error.message}` : ''}`);
  }
  for (const notice of status.notices) lines.push('', `${notice.level}: ${notice.message}`);
  return lines.map((line) => escapeControls(line)).join('\n');
}
