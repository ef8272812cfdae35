/**
 * Printing a compare report through the browser's print dialog ("Save as PDF"): the report is laid
 * into this page for printing only, styled by an adopted stylesheet (the app's CSP forbids inline
 * styles, and a blob: window would inherit that policy), then removed after printing. Works in the
 * browser and in Electron.
 */
import type { Report } from '../../../common/report/model.js';
import type { ReportView } from '../../../common/report/view.js';

/** The id of the element the report is printed from. */
export const PRINT_ID = 'memhp-print';

/** The report's CSS for printing inside the app: only the report is shown on paper, never on screen. */
export function printCss(reportCss: string): string {
  const scoped = reportCss.replace(/:root\b/g, `#${PRINT_ID}`).replace(/(^|[\s,}])body\b/g, `$1#${PRINT_ID}`);
  return [
    `@media screen { #${PRINT_ID} { display: none !important; } }`,
    '@media print {',
    `  body > :not(#${PRINT_ID}) { display: none !important; }`,
    `  html, body { height: auto !important; overflow: visible !important; background: #fff !important; }`,
    scoped,
    '}',
  ].join('\n');
}

/** Adds a stylesheet through the CSSOM (allowed under a CSP without 'unsafe-inline'); returns its remover. */
function adoptCss(css: string): () => void {
  if (typeof CSSStyleSheet !== 'undefined' && 'adoptedStyleSheets' in document && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    return () => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((x) => x !== sheet);
    };
  }
  const el = document.createElement('style');
  el.textContent = css;
  document.head.appendChild(el);
  return () => el.remove();
}

/** Opens the print dialog with the report laid out for paper (the HTML renderer loads on first use). */
export async function printReport(report: Report, view?: ReportView): Promise<void> {
  const { renderReportBody, REPORT_CSS } = await import('../../../common/report/html.js');
  document.getElementById(PRINT_ID)?.remove();
  const host = document.createElement('div');
  host.id = PRINT_ID;
  host.setAttribute('data-testid', 'compare-print');
  host.innerHTML = renderReportBody(report, view);
  document.body.appendChild(host);
  const detach = adoptCss(printCss(REPORT_CSS));
  const cleanup = (): void => {
    host.remove();
    detach();
  };
  window.addEventListener('afterprint', cleanup, { once: true });
  window.print();
}
