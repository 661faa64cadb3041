// One look and one announcement for "working on it", so every screen says what it waits for the same way.
export function BusyLine({ text }: { text: string }) {
  return (
    <p className="progress" role="status">
      <span className="spinner" aria-hidden="true" /> {text}
    </p>
  );
}
