package dev.dnnrun.language.builder;

import java.util.List;

import dev.dnnrun.language.accel.SegmentNode;
import dev.dnnrun.language.accel.SegmentRecord;
import dev.dnnrun.language.nodes.ModelRootNode;
import dev.dnnrun.language.nodes.OpNode;

/** A built model: its root, every CPU operator node (for profiling), and its accelerator segments. */
public record ModelAst(ModelRootNode root, List<OpNode> operators, List<SegmentNode> segmentNodes, List<SegmentRecord> segments) {
}
