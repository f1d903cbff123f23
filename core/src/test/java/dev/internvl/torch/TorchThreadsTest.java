package dev.internvl.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** libtorch's intra-op thread count is the calling thread's: what the batch worker relies on. */
class TorchThreadsTest {

    @Test
    void aThreadSetsItsOwnCountAndLeavesOthersAlone() throws Exception {
        try (TorchKernels ignored = TorchKernels.load()) { // the native library is loaded
            int mine = TorchThreads.current();
            assertTrue(mine >= 1);
            int[] seen = new int[2];
            CountDownLatch set = new CountDownLatch(1);
            CountDownLatch checked = new CountDownLatch(1);
            Thread other = new Thread(() -> {
                TorchThreads.use(mine + 1);
                seen[0] = TorchThreads.current();
                set.countDown();
                try {
                    checked.await(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                TorchThreads.use(mine);
                seen[1] = TorchThreads.current();
            });
            other.start();
            assertTrue(set.await(1, TimeUnit.MINUTES));
            int meanwhile = TorchThreads.current();
            checked.countDown();
            other.join();
            assertEquals(mine + 1, seen[0]);
            assertEquals(mine, meanwhile, "another thread's setting changed this thread's count");
            assertEquals(mine, seen[1]);
        }
    }
}
