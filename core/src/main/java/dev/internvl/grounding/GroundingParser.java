package dev.internvl.grounding;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the boxes out of an InternVL answer: {@code <ref>label</ref><box>[[x1, y1, x2, y2], ...]</box>}, numbers
 * in the 0-1000 space of the original image.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Never throws on any text (null included): text without a complete box gives an empty result that still
 *       carries the text. Numbers are read by a small grammar ({@code [+-]digits[.digits]}, at most 32
 *       characters), never evaluated: {@code NaN}, {@code inf}, exponents, expressions and anything else make
 *       their box invalid, and an invalid box is dropped, not guessed.</li>
 *   <li>One pass over the text, constant work per character and no regular expressions, so a megabyte of
 *       repeated or unbalanced tags is read in well under a second; at most {@code maxBoxes} boxes are read (1000 by
 *       default), and reading stops there.</li>
 *   <li>A box is exactly four numbers in brackets; a group of 3 or 5 numbers is dropped. {@code [[...]]} and
 *       {@code [...]} are both read, several boxes may follow one {@code <ref>}, spaces and newlines may appear
 *       anywhere between the parts, and a trailing comma is accepted.</li>
 *   <li>A box belongs to the {@code <ref>} right before it when only whitespace separates them (or separates it
 *       from the previous box of that ref); otherwise its label is null. Labels are stripped.</li>
 *   <li>A box list ends at {@code </box>}, at another tag, or at the first character outside its brackets that
 *       is not a comma or whitespace; inside a group, an invalid character spoils that group only.</li>
 *   <li>Truncated output: a box whose closing bracket never came is dropped; the complete boxes before it are
 *       kept, even inside a {@code <box>} that was never closed. A {@code <ref>} never closed labels nothing.</li>
 *   <li>When the text holds no {@code <box>} tag at all (an answer decoded with special tokens skipped, like
 *       {@code the red car[[12, 40, 300, 388]]}), a {@code [[} starts a box list the same way {@code <box>} does.</li>
 * </ul>
 */
public final class GroundingParser {

    /** How many boxes are read at most unless told otherwise. */
    public static final int DEFAULT_MAX_BOXES = 1000;

    static final int MAX_NUMBER_CHARS = 32;

    private static final String[] TAGS = {"<ref>", "</ref>", "<box>", "</box>"};
    private static final int NONE = -1;
    private static final int REF_OPEN = 0;
    private static final int REF_CLOSE = 1;
    private static final int BOX_OPEN = 2;
    private static final int BOX_CLOSE = 3;

    private GroundingParser() {
    }

    /** The boxes of {@code text} in pixels of a {@code width x height} original image. */
    public static GroundingResult parse(String text, int width, int height) {
        return parse(text, width, height, DEFAULT_MAX_BOXES);
    }

    /** The boxes of {@code text} with pixel coordinates equal to the 0-1000 values (clamped and ordered). */
    public static GroundingResult parse(String text) {
        return parse(text, BoundingBox.SCALE, BoundingBox.SCALE);
    }

    /**
     * The boxes of {@code text} in pixels of a {@code width x height} original image, reading at most
     * {@code maxBoxes} boxes.
     *
     * @throws IllegalArgumentException if the size is not positive or {@code maxBoxes} is negative (never
     *                                  because of the text)
     */
    public static GroundingResult parse(String text, int width, int height, int maxBoxes) {
        BoundingBox.requireSize(width, height);
        if (maxBoxes < 0) {
            throw new IllegalArgumentException("maxBoxes must be >= 0, got " + maxBoxes);
        }
        String s = text == null ? "" : text;
        return new Scan(s, width, height, maxBoxes).run();
    }

    private static final class Scan {
        private static final int TEXT = 0;
        private static final int LABEL = 1;
        private static final int BOX = 2;

        private final String s;
        private final int n;
        private final int width;
        private final int height;
        private final int maxBoxes;
        private final boolean bracketLists;

        private final List<String> labels = new ArrayList<>();
        private final List<List<BoundingBox>> groups = new ArrayList<>();
        private int total;

        /** The phrase the next box belongs to, its boxes (null until its first box), and whether it still can. */
        private String targetLabel;
        private List<BoundingBox> targetBoxes;
        private boolean attachable;

        private int state = TEXT;
        private int labelStart;

        /** Box list reading. */
        private boolean bare;
        private int depth;
        private boolean inGroup;
        private boolean groupBad;
        private int count;
        private final double[] nums = new double[4];
        private int numStart = -1;
        private boolean afterNumber;

        Scan(String s, int width, int height, int maxBoxes) {
            this.s = s;
            this.n = s.length();
            this.width = width;
            this.height = height;
            this.maxBoxes = maxBoxes;
            this.bracketLists = !s.contains(TAGS[BOX_OPEN]);
        }

        GroundingResult run() {
            int i = 0;
            while (i < n && total < maxBoxes) {
                char c = s.charAt(i);
                if (c == '<') {
                    int tag = tagAt(i);
                    if (tag != NONE) {
                        onTag(tag, i);
                        i += TAGS[tag].length();
                        continue;
                    }
                }
                if (state == TEXT) {
                    if (bracketLists && c == '[' && i + 1 < n && s.charAt(i + 1) == '[') {
                        openBox(true);
                        continue; // the '[' is read again as the start of the list
                    }
                    if (!isSpace(c)) {
                        attachable = false;
                    }
                    i++;
                } else if (state == LABEL) {
                    i++;
                } else if (feed(c, i)) {
                    i++;
                }
            }
            List<GroundedRef> refs = new ArrayList<>(groups.size());
            for (int g = 0; g < groups.size(); g++) {
                refs.add(new GroundedRef(labels.get(g), groups.get(g)));
            }
            return new GroundingResult(refs, s);
        }

        private int tagAt(int i) {
            for (int t = 0; t < TAGS.length; t++) {
                if (s.startsWith(TAGS[t], i)) {
                    return t;
                }
            }
            return NONE;
        }

        private void onTag(int tag, int at) {
            switch (tag) {
                case REF_OPEN -> {
                    if (state == BOX) {
                        closeBox();
                    }
                    state = LABEL;
                    labelStart = at + TAGS[REF_OPEN].length();
                    attachable = false;
                }
                case REF_CLOSE -> {
                    if (state == LABEL) {
                        String label = s.substring(labelStart, at).strip();
                        targetLabel = label.isEmpty() ? null : label;
                        targetBoxes = null;
                        attachable = true;
                        state = TEXT;
                    } else {
                        if (state == BOX) {
                            closeBox();
                        }
                        attachable = false; // a stray </ref> is text
                    }
                }
                case BOX_OPEN -> {
                    if (state == LABEL) {
                        attachable = false; // the <ref> never closed: it labels nothing
                        state = TEXT;
                    } else if (state == BOX) {
                        closeBox(); // the unclosed box keeps its complete boxes; this one continues its phrase
                    }
                    openBox(false);
                }
                case BOX_CLOSE -> {
                    if (state == BOX) {
                        closeBox();
                    } else {
                        attachable = false; // stray </box>, or one that cuts a <ref> short
                        state = TEXT;
                    }
                }
                default -> throw new AssertionError(tag);
            }
        }

        private void openBox(boolean bareList) {
            if (!attachable) {
                targetLabel = null;
                targetBoxes = null;
            }
            state = BOX;
            bare = bareList;
            depth = 0;
            inGroup = false;
            groupBad = false;
            numStart = -1;
        }

        /** Ends the box list; an unfinished group is dropped. A box right after it continues the same phrase. */
        private void closeBox() {
            state = TEXT;
            inGroup = false;
            attachable = true;
        }

        /** Reads one character of a box list; false when it ended the list without consuming the character. */
        private boolean feed(char c, int i) {
            if (c == '[') {
                depth++;
                startGroup(); // "[[": the inner bracket restarts the group the outer one began
                return true;
            }
            if (c == ']') {
                depth--;
                if (inGroup) {
                    endGroup(i);
                }
                if (bare && depth <= 0) {
                    closeBox();
                }
                return true;
            }
            if (!inGroup) {
                if (c == ',' || isSpace(c)) {
                    return true;
                }
                closeBox(); // text after the list (or instead of one, like <box>null</box>) ends it
                return false;
            }
            if (groupBad) {
                return true;
            }
            if (isNumberChar(c)) {
                if (afterNumber) {
                    bad(); // two numbers without a comma
                } else if (numStart < 0) {
                    numStart = i;
                } else if (i - numStart >= MAX_NUMBER_CHARS) {
                    bad();
                }
            } else if (c == ',') {
                if (numStart >= 0) {
                    finishNumber(i);
                } else if (!afterNumber) {
                    bad(); // an empty element
                }
                afterNumber = false;
            } else if (isSpace(c)) {
                if (numStart >= 0) {
                    finishNumber(i);
                }
            } else {
                bad();
            }
            if (groupBad && bare) {
                closeBox(); // "[[" followed by something that is not a box: prose
                return false;
            }
            return true;
        }

        private void startGroup() {
            inGroup = true;
            groupBad = false;
            count = 0;
            numStart = -1;
            afterNumber = false;
        }

        private void endGroup(int at) {
            if (!groupBad && numStart >= 0) {
                finishNumber(at);
            }
            inGroup = false;
            if (!groupBad && count == 4) {
                emit();
            }
        }

        private void bad() {
            groupBad = true;
            numStart = -1;
        }

        private void finishNumber(int end) {
            double v = parseNumber(s, numStart, end);
            numStart = -1;
            afterNumber = true;
            if (Double.isNaN(v)) {
                bad();
                return;
            }
            if (count < 4) {
                nums[count] = v;
            }
            count++;
        }

        private void emit() {
            BoundingBox box = BoundingBox.fromModel(nums[0], nums[1], nums[2], nums[3], width, height);
            if (targetBoxes == null) {
                targetBoxes = new ArrayList<>();
                labels.add(targetLabel);
                groups.add(targetBoxes);
            }
            targetBoxes.add(box);
            total++;
        }
    }

    /**
     * The value of {@code s[start, end)} when it is {@code [+-]digits[.digits]} (or {@code [+-].digits}, or
     * {@code [+-]digits.}), else NaN. The caller bounds the length, so the result is always finite.
     */
    static double parseNumber(String s, int start, int end) {
        int i = start;
        if (i < end && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        int intDigits = 0;
        while (i < end && isDigit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        int fracDigits = 0;
        if (i < end && s.charAt(i) == '.') {
            i++;
            while (i < end && isDigit(s.charAt(i))) {
                i++;
                fracDigits++;
            }
        }
        if (i != end || intDigits + fracDigits == 0 || end - start > MAX_NUMBER_CHARS) {
            return Double.NaN;
        }
        return Double.parseDouble(s.substring(start, end));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNumberChar(char c) {
        return isDigit(c) || c == '-' || c == '+' || c == '.';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0x0b || c == '\u00a0'
                || c == '\u3000';
    }
}
