package dev.internvl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * {@code internvl-cli}: terminal chat, checkpoint inspection, the parity contract used by the reference tooling
 * (preprocess, prompt, vision, logits — names and file formats are a contract), and the benchmark. Errors end the
 * process with status 1 and one line naming the file and problem.
 */
// The help and version options are inherited: every command answers --help (exit 0).
@Command(name = "internvl-cli", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        version = "internvl-cli 0.1.0", description = "Local InternVL inference: chat, checkpoint inspection, parity tools and benchmark.",
        subcommands = {ChatCommand.class, PreprocessCommand.class, PromptCommand.class, VisionCommand.class,
                LogitsCommand.class, BenchCommand.class, BoxesCommand.class, GroundCommand.class,
                OcrCommand.class, InspectCommand.class, GgufCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status (for tests). */
    static int run(String... args) {
        // Quiet by default, and never let DJL reach for the network: libtorch ships inside this jar.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        // ... except the one-time unpacking of libtorch, which takes a while on a fresh machine
        String natives = "org.slf4j.simpleLogger.log.dev.internvl.torch.NativeLibraries";
        System.setProperty(natives, System.getProperty(natives, "info"));
        CommandLine cli = new CommandLine(new Main());
        cli.registerConverter(ModelLocation.class, ModelLocation::parse); // --model: a folder or a model id
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + oneLine(ex));
            if (System.getenv("INTERNVL_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }

    static String oneLine(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        return msg.strip().replace('\n', ' ');
    }
}
