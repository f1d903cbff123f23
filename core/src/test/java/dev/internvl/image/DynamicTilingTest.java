package dev.internvl.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DynamicTilingTest {

    private static final JsonObject SYNTHETIC = Golden.json("preprocess/synthetic_grids.json");

    @Test
    void candidateOrderMatchesTheOfficialCodesSetIterationOrder() {
        JsonObject orders = SYNTHETIC.getAsJsonObject("candidate_order_in_official_code");
        assertEquals(grids(orders.getAsJsonArray("max6")), DynamicTiling.candidateGrids(1, 6));
        assertEquals(grids(orders.getAsJsonArray("max12")), DynamicTiling.candidateGrids(1, 12));
    }

    @Test
    void candidateOrderMatchesCPythonForOtherRanges() {
        // Orders printed by CPython 3.11.2 for sorted({(i, j) for n in range(lo, hi + 1) for i in range(1, n + 1)
        // for j in range(1, n + 1) if lo <= i * j <= hi}, key=lambda x: x[0] * x[1]).
        assertEquals("1x1 1x2 2x1 3x1 1x3 2x2 4x1 1x4 5x1 1x5 1x6 6x1 3x2 2x3 7x1 1x7 4x2 2x4 1x8 8x1 1x9 3x3 "
                        + "9x1 2x5 5x2 10x1 1x10 11x1 1x11 12x1 3x4 4x3 1x12 6x2 2x6 13x1 1x13 14x1 2x7 1x14 7x2 "
                        + "1x15 5x3 15x1 3x5 1x16 2x8 16x1 8x2 4x4",
                text(DynamicTiling.candidateGrids(1, 16)));
        assertEquals("3x1 1x3 2x2 4x1 1x4 5x1 1x5 1x6 6x1 3x2 2x3 7x1 1x7 4x2 2x4 1x8 8x1 1x9 3x3 9x1",
                text(DynamicTiling.candidateGrids(3, 9)));
        List<TileGrid> forty = DynamicTiling.candidateGrids(1, 40);
        assertEquals(158, forty.size());
        assertEquals("19x2 2x19 38x1 1x38 3x13 13x3 1x39 39x1 1x40 2x20 40x1 4x10 20x2 8x5 5x8 10x4",
                text(forty.subList(forty.size() - 16, forty.size())));
    }

    @Test
    void syntheticCasesChooseTheOfficialGridAndTileCount() {
        for (JsonElement e : SYNTHETIC.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            int w = c.get("width").getAsInt();
            int h = c.get("height").getAsInt();
            for (int max : new int[] {6, 12}) {
                TileGrid grid = DynamicTiling.chooseGrid(w, h, 1, max, 448);
                String label = w + "x" + h + " max " + max + " (" + c.get("note").getAsString() + ")";
                assertEquals(grid(c.getAsJsonArray("grid_max" + max)), grid, label);
                int tiles = grid.tileCount();
                assertEquals(c.get("num_tiles_max" + max + "_nothumb").getAsInt(), tiles, label);
                assertEquals(c.get("num_tiles_max" + max + "_thumb").getAsInt(), tiles == 1 ? 1 : tiles + 1, label);
            }
        }
    }

    @Test
    void exactTieKeepsTheFirstCandidateForSmallImagesAndTakesTheLaterForLargeOnes() {
        // 448x448 ties 1x1, 2x2, 3x3 exactly; its area is not above half of 2x2's, so 1x1 stays.
        assertEquals(new TileGrid(1, 1), DynamicTiling.chooseGrid(448, 448, 1, 12, 448));
        // Twice the size in each direction: area 802816 > 0.5 * 448^2 * 4 = 401408, so 2x2 replaces 1x1.
        assertEquals(new TileGrid(2, 2), DynamicTiling.chooseGrid(896, 896, 1, 12, 448));
        // With at most 6 tiles, aspect 1.25 lies exactly between 1.0 (1x1, 2x2) and 1.5 (3x2): 1x1 comes first,
        // 2x2 ties and replaces it (450000 > 401408), 3x2 ties but does not (450000 <= 602112).
        assertEquals(new TileGrid(2, 2), DynamicTiling.chooseGrid(750, 600, 1, 6, 448));
        // 1792x1344 (4:3, exact) with 1..12: 4x3 is exact, nothing ties it.
        assertEquals(new TileGrid(4, 3), DynamicTiling.chooseGrid(1792, 1344, 1, 12, 448));
        // 1000x500 with 1..12: 2x1 (exact 2.0) then 4x2 ties exactly; area 500000 <= 802816 keeps 2x1.
        assertEquals(new TileGrid(2, 1), DynamicTiling.chooseGrid(1000, 500, 1, 12, 448));
    }

    @Test
    void minTilesExcludesSmallerGrids() {
        assertEquals(new TileGrid(2, 2), DynamicTiling.chooseGrid(448, 448, 4, 12, 448));
        assertTrue(DynamicTiling.candidateGrids(5, 6).stream().allMatch(g -> g.tileCount() >= 5));
    }

    @Test
    void rejectsInvalidArguments() {
        assertThrows(IllegalArgumentException.class, () -> DynamicTiling.chooseGrid(0, 10, 1, 12, 448));
        assertThrows(IllegalArgumentException.class, () -> DynamicTiling.chooseGrid(10, 10, 0, 12, 448));
        assertThrows(IllegalArgumentException.class, () -> DynamicTiling.chooseGrid(10, 10, 7, 6, 448));
        assertThrows(IllegalArgumentException.class, () -> DynamicTiling.chooseGrid(10, 10, 1, 41, 448));
        assertThrows(IllegalArgumentException.class, () -> DynamicTiling.chooseGrid(10, 10, 1, 12, 0));
    }

    private static List<TileGrid> grids(JsonArray pairs) {
        List<TileGrid> out = new ArrayList<>();
        for (JsonElement p : pairs) {
            out.add(grid(p.getAsJsonArray()));
        }
        return out;
    }

    private static TileGrid grid(JsonArray pair) {
        return new TileGrid(pair.get(0).getAsInt(), pair.get(1).getAsInt());
    }

    private static String text(List<TileGrid> grids) {
        return grids.stream().map(g -> g.cols() + "x" + g.rows()).collect(Collectors.joining(" "));
    }
}
