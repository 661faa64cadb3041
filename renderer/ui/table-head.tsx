// Column headers for the screens' tables; an empty label becomes a heading only screen readers hear.
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) =>
          column.startsWith('hidden:') ? (
            <th key={index} scope="col">
              <span className="visually-hidden">{column.slice('hidden:'.length)}</span>
            </th>
          ) : (
            <th key={index} scope="col">
              {column}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
