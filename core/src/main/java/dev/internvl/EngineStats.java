package dev.internvl;

/**
 * How busy an engine is ({@link InternVL#stats()}).
 *
 * @param running           requests holding a row (decoding or being admitted)
 * @param waiting           requests in the queue
 * @param failure           why the engine stopped taking requests after its worker kept failing; null while it works
 * @param waitingPixelBytes bytes of image tiles held by waiting requests (only the next ones make theirs)
 */
public record EngineStats(int running, int waiting, String failure, long waitingPixelBytes) {
}
