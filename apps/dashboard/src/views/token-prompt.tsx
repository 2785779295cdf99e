// Asked when the server has a token and this tab has none (or a wrong one); kept for the session.
import { useState } from 'react';
import { setToken } from '../api/token.js';

export function TokenPrompt({ onToken, wrong }: { onToken: () => void; wrong: boolean }) {
  const [value, setValue] = useState('');
  return (
    <section className="token-prompt" aria-label="token required">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!value.trim()) return;
          setToken(value.trim());
          onToken();
        }}
      >
        <h2>This server needs a token</h2>
        <p>
          Enter the token the server was started with (<code>--token</code> or <code>TC_TOKEN</code>). It is kept for
          this browser tab only.
        </p>
        {wrong && (
          <p className="error" role="alert">
            That token was refused.
          </p>
        )}
        <label className="field">
          <span>Token</span>
          <input
            type="password"
            autoFocus
            autoComplete="current-password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        <div className="buttons">
          <button type="submit" className="primary">
            Connect
          </button>
        </div>
      </form>
    </section>
  );
}
