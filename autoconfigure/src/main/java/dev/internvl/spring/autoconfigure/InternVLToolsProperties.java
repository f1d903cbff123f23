package dev.internvl.spring.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The vision tools for agents: which are offered, the image store they share, and how the model runs for them.
 */
@ConfigurationProperties(InternVLToolsProperties.PREFIX)
public class InternVLToolsProperties {

    public static final String PREFIX = "spring.ai.internvl.tools";

    /**
     * Whether to offer InternVL's vision tools (the internVLToolCallbackProvider bean and the image store). Set
     * explicitly to true, it also loads the engine when spring.ai.model.chat selects another chat model (the
     * planner), without creating the InternVL chat model.
     */
    private boolean enabled = true;

    /**
     * Maximum number of 448-pixel tiles per image in the tools' model calls (1 to 40). Defaults to the engine's
     * (spring.ai.internvl.max-tiles).
     */
    private Integer maxTiles;

    /**
     * Maximum number of tokens the model generates per tool call (1024 when unset). Decoding is greedy.
     */
    private Integer maxTokens;

    private final ImageStoreProperties imageStore = new ImageStoreProperties();

    private final Tool locateObjects = new Tool();

    private final Tool readText = new Tool();

    private final Tool describeImage = new Tool();

    private final Tool cropRegion = new Tool();

    private final Tool askAboutRegion = new Tool();

    private final Tool drawBoxes = new Tool();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Integer getMaxTiles() {
        return maxTiles;
    }

    public void setMaxTiles(Integer maxTiles) {
        this.maxTiles = maxTiles;
    }

    public Integer getMaxTokens() {
        return maxTokens;
    }

    public void setMaxTokens(Integer maxTokens) {
        this.maxTokens = maxTokens;
    }

    public ImageStoreProperties getImageStore() {
        return imageStore;
    }

    public Tool getLocateObjects() {
        return locateObjects;
    }

    public Tool getReadText() {
        return readText;
    }

    public Tool getDescribeImage() {
        return describeImage;
    }

    public Tool getCropRegion() {
        return cropRegion;
    }

    public Tool getAskAboutRegion() {
        return askAboutRegion;
    }

    public Tool getDrawBoxes() {
        return drawBoxes;
    }

    /** The switch of one built-in tool. */
    public static class Tool {

        /**
         * Whether to offer this tool.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The in-memory store of the images tools work on. */
    public static class ImageStoreProperties {

        /**
         * Maximum number of images held; the least recently used one is evicted to make room.
         */
        private int maxImages = 64;

        /**
         * Maximum decoded size of the images held together (3 bytes per pixel); least recently used images are
         * evicted to make room, and a larger single image is refused.
         */
        private DataSize maxBytes = DataSize.ofMegabytes(256);

        /**
         * Maximum length of a data: URI passed as a tool's image argument (and of the PNG data URI draw_boxes may
         * return).
         */
        private DataSize maxDataUriSize = DataSize.ofMegabytes(16);

        public int getMaxImages() {
            return maxImages;
        }

        public void setMaxImages(int maxImages) {
            this.maxImages = maxImages;
        }

        public DataSize getMaxBytes() {
            return maxBytes;
        }

        public void setMaxBytes(DataSize maxBytes) {
            this.maxBytes = maxBytes;
        }

        public DataSize getMaxDataUriSize() {
            return maxDataUriSize;
        }

        public void setMaxDataUriSize(DataSize maxDataUriSize) {
            this.maxDataUriSize = maxDataUriSize;
        }
    }
}
