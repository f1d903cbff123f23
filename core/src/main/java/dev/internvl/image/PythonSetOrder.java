package dev.internvl.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Reproduces the iteration order of a CPython 3.8+ (64-bit) {@code set} of {@code (int, int)} tuples built by
 * adding elements one after another, as a set comprehension does.
 *
 * <p>InternVL's {@code dynamic_preprocess} sorts such a set by {@code i * j} with a stable sort, so grids with the
 * same tile count keep the set's order, and that order decides exact ties in {@code find_closest_aspect_ratio}.
 * The order follows from the tuple hash (xxHash-style, {@code tuplehash} in {@code Objects/tupleobject.c}; a small
 * int hashes to itself) and the open-addressing table of {@code Objects/setobject.c}: 8 slots to start, up to 9
 * linear probes then perturbed probing, and a rebuild into a table larger than four times the used count once the
 * table is 60% full.
 */
final class PythonSetOrder {

    private static final long XXPRIME_1 = 0x9E3779B185EBCA87L;
    private static final long XXPRIME_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long XXPRIME_5 = 0x27D4EB2F165667C5L;
    private static final int LINEAR_PROBES = 9;
    private static final int PERTURB_SHIFT = 5;
    private static final int MIN_SIZE = 8;

    private long[] hashes = new long[MIN_SIZE];
    private int[][] keys = new int[MIN_SIZE][];
    private int used;

    private PythonSetOrder() {
    }

    /** The distinct pairs of {@code added}, in the order CPython's set would iterate them. */
    static List<int[]> iterationOrder(List<int[]> added) {
        PythonSetOrder set = new PythonSetOrder();
        for (int[] pair : added) {
            set.add(pair);
        }
        List<int[]> order = new ArrayList<>(set.used);
        for (int[] key : set.keys) {
            if (key != null) {
                order.add(key);
            }
        }
        return order;
    }

    /** CPython's hash of the tuple {@code (a, b)} of small non-negative ints. */
    static long tupleHash(int a, int b) {
        long acc = XXPRIME_5;
        for (long lane : new long[] {a, b}) {
            acc += lane * XXPRIME_2;
            acc = Long.rotateLeft(acc, 31);
            acc *= XXPRIME_1;
        }
        acc += 2 ^ (XXPRIME_5 ^ 3527539L);
        return acc == -1L ? 1546275796L : acc;
    }

    private void add(int[] pair) {
        long hash = tupleHash(pair[0], pair[1]);
        int mask = keys.length - 1;
        int i = (int) (hash & mask);
        long perturb = hash;
        while (true) {
            int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
            for (int j = i; j <= i + probes; j++) {
                if (keys[j] == null) {
                    keys[j] = pair;
                    hashes[j] = hash;
                    used++;
                    // No deletions happen, so the table's fill equals its used count.
                    if ((long) used * 5 >= (long) mask * 3) {
                        resize(used * 4);
                    }
                    return;
                }
                if (hashes[j] == hash && keys[j][0] == pair[0] && keys[j][1] == pair[1]) {
                    return;
                }
            }
            perturb >>>= PERTURB_SHIFT;
            i = (int) ((i * 5L + 1 + perturb) & mask);
        }
    }

    private void resize(int minUsed) {
        int size = MIN_SIZE;
        while (size <= minUsed) {
            size <<= 1;
        }
        long[] oldHashes = hashes;
        int[][] oldKeys = keys;
        hashes = new long[size];
        keys = new int[size][];
        int mask = size - 1;
        for (int s = 0; s < oldKeys.length; s++) {
            if (oldKeys[s] != null) {
                insertClean(oldKeys[s], oldHashes[s], mask);
            }
        }
    }

    /** {@code set_insert_clean}: places a key known to be absent into a table without deleted entries. */
    private void insertClean(int[] key, long hash, int mask) {
        int i = (int) (hash & mask);
        long perturb = hash;
        while (true) {
            int probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
            for (int j = i; j <= i + probes; j++) {
                if (keys[j] == null) {
                    keys[j] = key;
                    hashes[j] = hash;
                    return;
                }
            }
            perturb >>>= PERTURB_SHIFT;
            i = (int) ((i * 5L + 1 + perturb) & mask);
        }
    }
}
