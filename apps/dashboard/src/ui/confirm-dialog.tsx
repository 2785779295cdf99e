// A modal confirmation on the native <dialog> (focus trapped, Escape cancels); `typed` asks the
// user to type a word before a destructive action is enabled.
import { useEffect, useRef, useState } from 'react';

export function ConfirmDialog(props: {
  title: string;
  body: string;
  confirm: string;
  typed?: string;
  destructive?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal?.();
  }, []);
  const ready = props.typed === undefined || text === props.typed;
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) props.onConfirm();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <p>{props.body}</p>
        {props.typed !== undefined && (
          <label className="field">
            <span>
              Type <code>{props.typed}</code> to confirm
            </span>
            <input autoFocus value={text} onChange={(e) => setText(e.target.value)} aria-label="confirmation" />
          </label>
        )}
        <div className="buttons">
          <button type="button" onClick={props.onCancel} autoFocus={props.typed === undefined}>
            Cancel
          </button>
          <button type="submit" className={props.destructive ? 'danger' : 'primary'} disabled={!ready}>
            {props.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
