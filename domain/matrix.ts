/** A dense row-major matrix of float64: the one shape in which features, scores and SHAP values travel. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function createMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function matrixFromRows(rows: readonly ArrayLike<number>[], cols: number): Matrix {
  const matrix = createMatrix(rows.length, cols);
  rows.forEach((row, r) =>
    matrix.data.set(
      Array.from({ length: cols }, (_, c) => row[c]!),
      r * cols,
    ),
  );
  return matrix;
}

export function row(matrix: Matrix, index: number): Float64Array {
  return matrix.data.subarray(index * matrix.cols, (index + 1) * matrix.cols);
}
