package dev.dnnrun.language;

import java.util.ArrayList;
import java.util.List;

import org.graalvm.options.OptionCategory;
import org.graalvm.options.OptionDescriptors;
import org.graalvm.options.OptionKey;
import org.graalvm.options.OptionStability;

import com.oracle.truffle.api.CallTarget;
import com.oracle.truffle.api.Option;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.RootNode;
import com.oracle.truffle.api.source.Source;

import dev.dnnrun.accel.partition.Partition;
import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.language.accel.FallbackPolicy;
import dev.dnnrun.language.builder.ModelAst;
import dev.dnnrun.language.builder.ModelAstBuilder;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.onnx.ModelLoadException;
import dev.dnnrun.language.onnx.OnnxLoader;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.language.passes.ConstantFolding;
import dev.dnnrun.language.passes.ConvFusion;
import dev.dnnrun.language.passes.DeadNodeElimination;
import dev.dnnrun.language.passes.HardSwishFusion;
import dev.dnnrun.language.passes.IdentityElimination;
import dev.dnnrun.language.passes.MatMulScaleFusion;
import dev.dnnrun.language.passes.ShapeInference;
import dev.dnnrun.language.runtime.Builtins;
import dev.dnnrun.language.runtime.ModelObject;

/**
 * The {@code dnn} language: evaluating an ONNX model's bytes returns an executable model object. Loading runs the
 * graph passes (constant folding, shape inference, dead-node removal) and builds the model's AST.
 */
@Option.Group(DnnLanguage.ID)
@TruffleLanguage.Registration(id = DnnLanguage.ID, name = "dnnrun ONNX", version = "0.1",
                defaultMimeType = DnnLanguage.MIME_TYPE, byteMimeTypes = DnnLanguage.MIME_TYPE,
                fileTypeDetectors = OnnxFileTypeDetector.class)
public final class DnnLanguage extends TruffleLanguage<DnnContext> {
    public static final String ID = "dnn";
    public static final String MIME_TYPE = "application/x-onnx";

    @Option(help = "Time every operator node; the model's 'profile' member then lists calls and time per node.",
                    category = OptionCategory.USER, stability = OptionStability.STABLE)
    public static final OptionKey<Boolean> Profile = new OptionKey<>(false);

    @Option(help = "Accelerators to use, in priority order, e.g. 'onednn,openblas,cpu'; 'cpu' (the default) runs dnnrun's own "
                    + "kernels only; 'auto' uses every available backend.", category = OptionCategory.USER, stability = OptionStability.STABLE)
    public static final OptionKey<String> Accel = new OptionKey<>("cpu");

    @Option(help = "A placement file (JSON, as written from a model's placementJson) to replay instead of partitioning.",
                    category = OptionCategory.USER, stability = OptionStability.STABLE)
    public static final OptionKey<String> Placement = new OptionKey<>("");

    @Option(help = "What a segment does when its backend cannot run it (declines, fails, or is unavailable): 'warn' (the default) runs "
                    + "it on the cpu and logs one line, 'quiet' runs it on the cpu silently, 'error' fails with the backend's reason.",
                    category = OptionCategory.USER, stability = OptionStability.STABLE)
    public static final OptionKey<String> Fallback = new OptionKey<>("warn");

    @Option(help = "Where --accel auto keeps the measured segment times of this machine ('' to measure every time).",
                    category = OptionCategory.USER, stability = OptionStability.STABLE)
    public static final OptionKey<String> CostCache = new OptionKey<>(System.getProperty("user.home") + "/.cache/dnnrun/auto-costs.tsv");

    @Override
    protected OptionDescriptors getOptionDescriptors() {
        return new DnnLanguageOptionDescriptors();
    }

    @Override
    protected DnnContext createContext(Env env) {
        String threads = Parallel.configurationProblem();
        if (threads != null) {
            throw new DnnException(threads);
        }
        return new DnnContext(env);
    }

    @Override
    protected void disposeContext(DnnContext context) {
        context.dispose();
    }

    @Override
    protected Object getScope(DnnContext context) {
        return new Builtins(context);
    }

    @Override
    protected CallTarget parse(ParsingRequest request) {
        Source source = request.getSource();
        if (!source.hasBytes()) {
            throw new DnnException(source.getName() + ": a dnn source must be the bytes of an ONNX model (build it with "
                            + "Source.newBuilder(\"dnn\", ByteSequence.create(bytes), name) or from a file)");
        }
        byte[] bytes = source.getBytes().toByteArray();
        String path = source.getPath();
        String name = path != null ? path : source.getName();
        DnnContext context = DnnContext.get(null);
        ModelObject model = load(this, context, bytes, path, name);
        return new ModelSourceRoot(this, model).getCallTarget();
    }

    /** Loads and optimises a model, builds its AST, and registers it with the context. */
    public static ModelObject load(DnnLanguage language, DnnContext context, byte[] bytes, String path, String displayName) {
        LoadTimer timer = new LoadTimer(context.env().getLogger("load"), displayName);
        OperatorRegistry registry = OperatorRegistry.standard();
        timer.phase("operator registry");
        ModelGraph graph;
        try {
            graph = OnnxLoader.load(bytes, path, context.allocator(), registry);
            timer.phase("read ONNX");
        } catch (ModelLoadException e) {
            throw new DnnException(rename(e.getMessage(), e.modelPath(), displayName));
        }
        List<String> problems = new ArrayList<>();
        try {
            graph = ConstantFolding.run(graph, registry, context.allocator());
            timer.phase("constant folding");
            graph = IdentityElimination.run(graph);
            graph = HardSwishFusion.run(graph, context.cpuOnly());
            graph = ConvFusion.run(graph, registry, context.allocator(), context.cpuOnly());
            timer.phase("conv fusion");
            graph = ShapeInference.run(graph, registry, problems);
            timer.phase("shape inference");
            graph = ConvFusion.fuseResiduals(graph, registry, context.cpuOnly());
            graph = MatMulScaleFusion.run(graph, context.cpuOnly());
        } catch (DnnException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            graph.releaseConstants();
            throw new DnnException(new ModelLoadException(displayName, problems).getMessage());
        }
        graph = DeadNodeElimination.run(graph);
        Partition partition;
        List<String> warnings = new ArrayList<>();
        try {
            partition = context.partition(graph, warnings);
            timer.phase("partition");
        } catch (RuntimeException e) {
            graph.releaseConstants();
            throw e;
        }
        if (context.fallback() == FallbackPolicy.WARN) {
            for (String w : warnings) {
                context.env().getLogger("dnn").warning(w);
            }
        }
        ModelAst ast = ModelAstBuilder.build(language, graph, registry, context.profiling(), partition, context.backendChoice());
        ModelObject model = new ModelObject(context, graph, ast, displayName, partition);
        context.track(model);
        timer.phase("build AST");
        timer.done();
        return model;
    }

    private static String rename(String message, String loaderPath, String displayName) {
        return message.startsWith(loaderPath) ? displayName + message.substring(loaderPath.length()) : message;
    }

    /** What evaluating the source returns: the loaded model. */
    private static final class ModelSourceRoot extends RootNode {
        private final ModelObject model;

        ModelSourceRoot(TruffleLanguage<?> language, ModelObject model) {
            super(language);
            this.model = model;
        }

        @Override
        public Object execute(VirtualFrame frame) {
            return model;
        }
    }
}
