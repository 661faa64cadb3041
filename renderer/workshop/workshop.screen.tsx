import { useEffect } from 'react';
import { ErrorBox } from '../ui/error-box.tsx';
import { currentLesson, useWorkshop } from './workshop.store.ts';
import { LessonList, SandboxStatus } from './lesson-list.tsx';
import { LessonView } from './lesson-view.tsx';

// The Workshop screen: guided lessons in a sandbox of their own, with a presenter view for the room.
export function WorkshopScreen() {
  const state = useWorkshop();
  const { sandbox, sandboxError, presenter, load, setPresenter } = state;
  useEffect(() => {
    void load();
  }, [load]);
  const lesson = currentLesson(state);

  return (
    <section aria-labelledby="screen-title" className={`screen workshop-screen${presenter && lesson ? ' presenter' : ''}`} data-testid="workshop-screen" data-presenter={String(presenter && lesson !== null)}>
      <header className="screen-header">
        <h1 id="screen-title">Workshop</h1>
        {lesson && (
          <div className="header-actions">
            <button type="button" className="secondary workshop-presenter-toggle" aria-pressed={presenter} onClick={() => setPresenter(!presenter)}>
              <span aria-hidden="true">{presenter ? '☑ ' : '☐ '}</span>
              Presenter view
            </button>
          </div>
        )}
      </header>
      {!lesson && <p className="muted">Lessons that teach container signing offline: every key, image and audit entry lives in a sandbox, apart from your own.</p>}
      {sandboxError && <ErrorBox error={sandboxError} onRetry={() => void load()} />}
      {lesson ? (
        <>
          {!presenter && sandbox && (
            <div className="card workshop-status-card">
              <SandboxStatus sandbox={sandbox} />
            </div>
          )}
          <LessonView lesson={lesson} />
        </>
      ) : (
        <LessonList />
      )}
    </section>
  );
}
