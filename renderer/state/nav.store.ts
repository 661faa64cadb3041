import { create } from 'zustand';

export const SCREENS = ['keys', 'images', 'sign', 'policies', 'scan', 'audit', 'workshop', 'system'] as const;
export type Screen = (typeof SCREENS)[number];

interface NavState {
  screen: Screen;
  go(screen: Screen): void;
}

function initialScreen(): Screen {
  const wanted = new URLSearchParams(window.location.search).get('screen');
  return (SCREENS as readonly string[]).includes(wanted ?? '') ? (wanted as Screen) : 'system';
}

export const useNav = create<NavState>((set) => ({
  screen: initialScreen(),
  go: (screen) => set({ screen }),
}));
