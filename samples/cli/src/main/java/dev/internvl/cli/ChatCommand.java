package dev.internvl.cli;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidOptionException;
import dev.internvl.InvalidRequestException;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import dev.internvl.model.Quantization;
import dev.internvl.text.ChatTurn;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoSampling;
import dev.internvl.video.Videos;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chat}: streams the answer to a question (about images); without a question, a multi-round session. */
@Command(name = "chat", description = {"Ask a question (about images) and stream the answer. Without QUESTION, "
        + "reads questions line by line from standard input and keeps the conversation.",
        "In a conversation, /reset starts a new one and /exit (or /quit, or the end of input) ends it."})
final class ChatCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint folder, or Hugging Face model id "
            + "(org/name[@revision]) downloaded into the Hugging Face cache.")
    ModelLocation model;

    @Option(names = "--image", description = "Image file; repeat for several images.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--video", description = "Video file (MP4, WebM, MKV, AVI, ...): its frames are sampled as the "
            + "reference load_video does and shown as Frame1: <image>\\n...; needs the internvl-video module.")
    Path video;

    @Option(names = "--frames", defaultValue = "8", description = "Frames sampled from the video, one per equal "
            + "segment (the reference's num_segments; default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--start", description = "Sample the video from this second on (with --end).")
    Double start;

    @Option(names = "--end", description = "Sample the video up to this second (with --start).")
    Double end;

    @Option(names = "--verbose", description = "Print to standard error what the model is shown: the video's "
            + "sampled frames, the question as the prompt holds it, and the prompt's token count.")
    boolean verbose;

    @Option(names = "--max-new-tokens", defaultValue = "1024", description = "Upper bound on the answer's tokens.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default), else sampling.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling threshold.")
    double topP;

    @Option(names = "--seed", description = "Sampling seed.")
    Long seed;

    @Option(names = "--max-tiles", description = "Maximum tiles per image (default: config.json's), or per video "
            + "frame (default: 1, as the reference load_video).")
    Integer maxTiles;

    @Option(names = "--system", description = "System message override.")
    String system;

    @Option(names = "--dtype", defaultValue = "bf16", description = "Compute dtype: bf16, fp16, fp32.")
    String dtype;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N.")
    String device;

    @Option(names = "--device-map", description = "auto (reference split over all GPUs) or prefix=device,... "
            + "e.g. vision_model=cuda:0,language_model.model.layers.0-11=cuda:1,*=cuda:0")
    String deviceMap;

    @Option(names = "--quantization", defaultValue = "none",
            description = "Decoder weights: none, int8, int4 or int4:GROUP (quantized at load).")
    String quantization;

    @Parameters(arity = "0..1", paramLabel = "QUESTION", description = "The question.")
    String question;

    @Override
    public Integer call() throws Exception {
        // every argument is checked before the model loads, which takes a while
        InvalidOptionException.checkTiles("--max-tiles", maxTiles);
        if (video != null && !images.isEmpty()) {
            throw new InvalidRequestException("--video and --image cannot be combined: a question is about images "
                    + "or one video");
        }
        List<RgbImage> decoded = new ArrayList<>();
        for (Path p : images) {
            decoded.add(ImageDecoder.decode(p));
        }
        VideoFrames clip = null;
        if (video != null) {
            VideoSampling sampling = start == null && end == null ? VideoSampling.of(frames)
                    : new VideoSampling(frames, start, end);
            clip = Videos.decode(video, sampling);
            if (verbose) {
                System.err.printf(Locale.ROOT, "%s: %d frames at %.3f fps, %dx%d %s; showing frames %s%n",
                        video.getFileName(), clip.info().frameCount(), clip.info().averageFps(), clip.info().width(),
                        clip.info().height(), clip.info().codec(), clip.indices());
            }
        } else if (start != null || end != null) {
            throw new InvalidRequestException("--start and --end sample a --video");
        }
        GenerationOptions gen = GenerationOptions.builder().maxNewTokens(maxNewTokens).temperature(temperature)
                .topP(topP).seed(seed).build();
        EngineOptions options = EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.parse(dtype)).withDevice(device)
                        .withQuantization(Quantization.parse(quantization)).withDeviceMap(deviceMap))
                .withSystemMessage(system).withGeneration(gen);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InternVL engine = InternVL.load(model.dir(), options)) {
            if (question != null) {
                ask(engine, out, question, decoded, clip, List.of());
                return 0;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<ChatTurn> history = List.of();
            String line;
            System.err.print("> ");
            while ((line = in.readLine()) != null) {
                String command = line.strip();
                if (command.equals("/exit") || command.equals("/quit")) {
                    break;
                }
                if (command.equals("/reset")) {
                    history = List.of();
                    System.err.println("(new conversation)");
                } else if (!line.isBlank()) {
                    history = ask(engine, out, line, decoded, clip, history).history();
                }
                System.err.print("> ");
            }
        }
        return 0;
    }

    private ChatAnswer ask(InternVL engine, PrintStream out, String q, List<RgbImage> imgs, VideoFrames clip,
            List<ChatTurn> history) {
        ChatRequest.Builder b = ChatRequest.builder(q).history(history).maxTiles(maxTiles);
        imgs.forEach(b::image);
        if (clip != null) {
            b.video(clip); // every round shows the frames again, as the reference chat() is given them again
        }
        ChatAnswer r = engine.chat(b.build(), delta -> out.print(delta));
        out.println();
        if (verbose) {
            System.err.println("question: " + r.history().get(r.history().size() - 1).question());
            System.err.println("prompt: " + r.promptTokens() + " tokens");
        }
        return r;
    }
}
