import Table from 'cli-table3';

/** Rows as an aligned text table for a terminal (no borders, so it pipes well). */
export function textTable(head: string[], rows: (string | number | null)[][]): string {
  const table = new Table({
    head,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '',
    },
  });
  for (const row of rows) table.push(row.map((c) => (c === null ? '-' : String(c))));
  return table.toString();
}
