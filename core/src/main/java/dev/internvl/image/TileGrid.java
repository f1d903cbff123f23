package dev.internvl.image;

/**
 * The tiling InternVL chose for an image: {@code cols} tiles across and {@code rows} tiles down
 * (the official code's {@code (i, j)} target ratio, width multiplier first).
 */
public record TileGrid(int cols, int rows) {

    /** Both counts must be positive. */
    public TileGrid {
        if (cols <= 0 || rows <= 0) {
            throw new IllegalArgumentException("tile grid must be at least 1x1, got " + cols + "x" + rows);
        }
    }

    /** The number of grid tiles, {@code cols * rows} (not counting a thumbnail). */
    public int tileCount() {
        return cols * rows;
    }
}
