package dev.dnnrun.language.nodes;

import java.util.List;

import dev.dnnrun.language.accel.SegmentNode;
import dev.dnnrun.language.accel.SegmentRecord;

/** A built model: its root, every CPU operator node (for profiling), and its accelerator segments. */
public record ModelAst(ModelRootNode root, List<OpNode> operators, List<SegmentNode> segmentNodes, List<SegmentRecord> segments) {
}
