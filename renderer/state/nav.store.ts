import { create } from 'zustand';

export const SCREENS = ['keys', 'images', 'sign', 'policies', 'scan', 'audit', 'workshop', 'system'] as const;
export type Screen = (typeof SCREENS)[number];

/** Parts of a screen a link elsewhere can open at; each names the heading id it scrolls to. */
export const SECTIONS = { trust: 'trust-title', tokens: 'softhsm-token-title', registries: 'registries-title' } as const;
export type Section = keyof typeof SECTIONS;

interface NavState {
  screen: Screen;
  /** The section the screen scrolls to once it shows, cleared when it did. */
  section: Section | null;
  go(screen: Screen, section?: Section): void;
  sectionShown(): void;
}

function initialScreen(): Screen {
  const wanted = new URLSearchParams(window.location.search).get('screen');
  return (SCREENS as readonly string[]).includes(wanted ?? '') ? (wanted as Screen) : 'system';
}

export const useNav = create<NavState>((set) => ({
  screen: initialScreen(),
  section: null,
  go: (screen, section) => set({ screen, section: section ?? null }),
  sectionShown: () => set({ section: null }),
}));
