"""The app's CSS and its one page script (passed to Gradio's launch(css=…, js=…))."""

CSS = """
.cited-header { display: flex; gap: .75rem; align-items: baseline; flex-wrap: wrap; padding: .25rem 0; }
.cited-brand { font-weight: 700; font-size: 1.35rem; letter-spacing: -.01em; }
.cited-loaded { color: var(--body-text-color-subdued); }
.cited-question { white-space: pre-wrap; }
.cited-answer { line-height: 1.55; }
a.cited-marker { display: inline-block; padding: 0 .3em; margin: 0 .05em; border-radius: 4px;
  font-size: .8em; font-weight: 600; vertical-align: .15em; text-decoration: none;
  background: var(--color-accent-soft); color: var(--color-accent); border: 1px solid var(--color-accent); }
a.cited-marker:hover { background: var(--color-accent); color: white; }
.cited-abstain { border-left: 4px solid #d97706; background: rgba(217,119,6,.08); padding: .5rem .75rem; border-radius: 6px; }
.cited-abstain-title { font-weight: 600; font-style: italic; }
.cited-abstain-icon { display: inline-block; width: 1.4em; text-align: center; color: #d97706; font-style: normal; }
.cited-closest { font-size: .92em; margin-top: .35rem; color: var(--body-text-color); font-style: italic; }
.cited-closest-label { font-weight: 600; font-style: normal; }
.cited-closest-link { text-decoration: none; border-bottom: 1px dashed currentColor; }
.cited-read-as { font-size: .88em; color: var(--body-text-color-subdued); margin-bottom: .35rem; cursor: pointer; }
.cited-read-as:hover .cited-read-as-text { text-decoration: underline; }
.cited-read-as-text { font-style: italic; }
.cited-part-heading { font-weight: 600; margin-top: .45rem; }
.cited-part-point { padding-left: 1.1rem; }
.cited-part-text { margin-top: .2rem; }
.cited-abstain-note { font-size: .9em; color: var(--body-text-color-subdued); margin-top: .2rem; }
.cited-writer { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .35rem; }
.cited-writer-own { border-left: 3px solid #64748b; padding-left: .5rem; }
.cited-supported { border-bottom: 2px solid rgba(22,163,74,.45); }
a.cited-marker.cited-attributed { border-style: dashed; }
.cited-about { font-size: .8em; color: var(--body-text-color-subdued); margin-bottom: .25rem; }
.cited-checked { font-size: .92rem; margin-top: .3rem; }
.cited-check-summary { font-weight: 600; margin-bottom: .3rem; }
.cited-check-row { border-left: 4px solid #9ca3af; padding: .3rem .5rem; margin: .3rem 0; border-radius: 4px; }
.cited-check-row.cited-supported { border-left-color: #16a34a; background: rgba(22,163,74,.06); border-bottom: none; }
.cited-check-row.cited-contradicted { border-left-color: #dc2626; background: rgba(220,38,38,.06); }
.cited-check-row.cited-not-in-article { border-left-color: #9ca3af; background: rgba(156,163,175,.08); }
.cited-check-verdict { font-weight: 600; margin-right: .3rem; white-space: nowrap; }
.cited-check-support { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .2rem; }
.cited-unsupported s { color: #b91c1c; text-decoration-thickness: 1px; }
.cited-flag { display: inline-block; font-size: .78em; color: #b91c1c; background: rgba(220,38,38,.08);
  border: 1px solid rgba(220,38,38,.35); border-radius: 4px; padding: 0 .35em; margin: 0 .3em; }
.cited-removed { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .3rem; }
.cited-draft { color: var(--body-text-color-subdued); white-space: pre-wrap; }
.cited-error { border-left: 4px solid #dc2626; background: rgba(220,38,38,.08); padding: .5rem .75rem; border-radius: 6px; }
.cited-sources, .cited-article { font-size: .92rem; }
.cited-panel-head { display: flex; justify-content: space-between; align-items: flex-start; gap: .5rem; margin-bottom: .4rem; }
.cited-panel-title { font-weight: 700; text-transform: uppercase; font-size: .75rem; letter-spacing: .06em;
  color: var(--body-text-color-subdued); margin-bottom: .2rem; }
.cited-panel-q { font-weight: 600; }
.cited-muted { color: var(--body-text-color-subdued); }
button.cited-copy { white-space: nowrap; padding: .25rem .6rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); font-size: .85rem; }
button.cited-copy:hover { border-color: var(--color-accent); }
.cited-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .5rem .65rem;
  margin: .4rem 0; cursor: pointer; background: var(--background-fill-primary); }
.cited-source:hover, .cited-source:focus { border-color: var(--color-accent); outline: none; }
.cited-sources-list { max-height: 36vh; overflow-y: auto; padding-right: .3rem; }
.cited-source-head { display: flex; gap: .4rem; align-items: baseline; font-weight: 600; min-width: 0; }
.cited-doc-title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: .85rem; }
.cited-n { color: var(--color-accent); }
.cited-source-meta { font-size: .8rem; color: var(--body-text-color-subdued); margin: .1rem 0 .3rem; }
.cited-source-text { line-height: 1.5; white-space: pre-line; }
.cited-sources-abstained .cited-source { opacity: .8; border-style: dashed; }
.cited-abstain-banner { border-left: 4px solid #d97706; background: rgba(217,119,6,.08); padding: .4rem .6rem; border-radius: 6px; }
.cited-others summary { cursor: pointer; color: var(--body-text-color-subdued); margin-top: .4rem; }
mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
mark.cited-short-span { background: #fbbf24; }
.cited-short { font-size: 1.1em; margin-bottom: .35em; }
.cited-article-scroll { position: relative; max-height: 46vh; overflow-y: auto; padding-right: .4rem;
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .4rem .6rem; }
.cited-doc-meta { font-size: .8rem; color: var(--body-text-color-subdued); margin-bottom: .4rem; }
.cited-para { position: relative; padding: .25rem .4rem .25rem 2.6rem; margin: .15rem 0; border-radius: 6px;
  line-height: 1.5; white-space: pre-line; border-left: 3px solid transparent; transition: background .4s; }
.cited-pn { position: absolute; left: .3rem; top: .3rem; font-size: .72rem; color: var(--body-text-color-subdued); }
.cited-kind-title .cited-ptext { font-size: 1.1rem; font-weight: 700; }
.cited-kind-heading .cited-ptext { font-weight: 700; }
.cited-kind-author .cited-ptext, .cited-kind-date .cited-ptext { color: var(--body-text-color-subdued); }
.cited-hit { border-left-color: #f59e0b; background: rgba(245,158,11,.07); }
.cited-badge { margin-left: .3rem; font-size: .75rem; font-weight: 600; color: var(--color-accent); }
.cited-focus { background: rgba(99,102,241,.16); border-left-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent); }
.cited-gap { text-align: center; font-size: .8rem; color: var(--body-text-color-subdued); }
.cited-upload-ok { color: #15803d; }
"""

# One delegated click handler: markers and source cards scroll the article view to their
# paragraph; the copy button copies its Markdown. A marker in an older answer also selects that
# answer (Gradio's Chatbot.select), whose event then calls citedFocusPending() after re-rendering.
JS = """
() => {
  if (window.__cited) return;
  window.__cited = true;
  const focus = (id) => {
    const el = id ? document.getElementById(id) : null;
    if (!el) return false;
    const box = el.closest('.cited-article-scroll');
    if (box) {
      box.scrollTo({ top: Math.max(0, el.offsetTop - box.clientHeight / 4), behavior: 'instant' });
      const r = box.getBoundingClientRect();
      if (r.top < 0 || r.bottom > window.innerHeight) box.scrollIntoView({ block: 'nearest' });
    }
    document.querySelectorAll('.cited-focus').forEach((e) => e.classList.remove('cited-focus'));
    el.classList.add('cited-focus');
    return true;
  };
  window.citedFocusPending = () => {
    const id = window.__citedPending;
    window.__citedPending = null;
    if (id) focus(id);
  };
  const copy = async (button) => {
    const text = button.dataset.copy || '';
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (err) {
      // navigator.clipboard needs a secure context (not plain http on another host)
      const area = document.createElement('textarea');
      area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
      document.body.appendChild(area); area.select();
      try { ok = document.execCommand('copy'); } catch (err2) { ok = false; }
      area.remove();
    }
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = ok ? 'Copied ✓' : 'Copy failed';
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  // "Read as: …" above a follow-up's answer: into the question box, to edit and ask again.
  const editReading = (el) => {
    const box = document.querySelector('#cited-question textarea');
    const text = el.querySelector('.cited-read-as-text');
    if (!box || !text) return;
    box.value = text.textContent;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    box.focus();
  };
  const activate = (event) => {
    const reading = event.target.closest && event.target.closest('.cited-read-as');
    if (reading) { event.preventDefault(); event.stopPropagation(); editReading(reading); return; }
    const target = event.target.closest('a.cited-marker, a.cited-closest-link, .cited-source, button.cited-copy');
    if (!target) return;
    event.preventDefault();
    if (target.classList.contains('cited-copy')) { copy(target); return; }
    const marker = target.classList.contains('cited-marker') || target.classList.contains('cited-closest-link');
    const id = marker ? (target.getAttribute('href') || '').slice(1) : target.dataset.target;
    window.__citedPending = marker ? id : null;
    focus(id);
  };
  document.addEventListener('click', activate, true);
  document.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && event.target.closest &&
        event.target.closest('.cited-source, .cited-read-as')) activate(event);
  }, true);
}
"""
