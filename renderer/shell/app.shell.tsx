import { SCREENS, useNav, type Screen } from '../state/nav.store.ts';
import { PinRequestBanner } from '../ui/pin-request-banner.tsx';
import { Toasts } from '../ui/toasts.tsx';
import { SystemScreen } from '../system/system.screen.tsx';
import { KeysScreen } from '../keys/keys.screen.tsx';
import { AuditScreen } from '../audit/audit.screen.tsx';
import { ImagesScreen } from '../images/images.screen.tsx';
import { SignScreen } from '../sign/sign.screen.tsx';
import { PoliciesScreen } from '../policies/policies.screen.tsx';
import { ScanScreen } from '../scan/scan.screen.tsx';
import { WorkshopScreen } from '../workshop/workshop.screen.tsx';

const LABELS: Record<Screen, string> = {
  keys: 'Keys',
  images: 'Images',
  sign: 'Sign',
  policies: 'Policies',
  scan: 'Scan',
  audit: 'Audit',
  workshop: 'Workshop',
  system: 'System',
};

/** One component per screen; a screen added to SCREENS without one here fails to compile. */
const SCREEN_VIEWS: Record<Screen, () => React.JSX.Element> = {
  system: SystemScreen,
  keys: KeysScreen,
  audit: AuditScreen,
  images: ImagesScreen,
  sign: SignScreen,
  policies: PoliciesScreen,
  scan: ScanScreen,
  workshop: WorkshopScreen,
};

function CurrentScreen({ screen }: { screen: Screen }) {
  const View = SCREEN_VIEWS[screen];
  return <View />;
}

// The frame around every screen: one navigation list, one main region.
export function AppShell() {
  const { screen, go } = useNav();
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Screens">
        <div className="brand">
          <span aria-hidden="true" className="brand-mark">
            ◆
          </span>{' '}
          Signet
        </div>
        <ul>
          {SCREENS.map((name) => (
            <li key={name}>
              <button type="button" aria-current={name === screen ? 'page' : undefined} onClick={() => go(name)}>
                {LABELS[name]}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        <PinRequestBanner />
        <CurrentScreen screen={screen} />
      </main>
      <Toasts />
    </div>
  );
}
