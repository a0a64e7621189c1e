/// How a resampled voxel gets its value from the source voxels around its centre.
///
/// All three use the source voxel at the nearest valid index for neighbours beyond the border
/// (edge replication), so values in the outer half voxel are held constant.
public enum Interpolation: String, Sendable, Hashable, Codable, CaseIterable {
    /// The value of the voxel whose centre is closest (ties round up, as ITK does). Never invents
    /// values, so label maps use it.
    case nearest
    /// Trilinear interpolation of the 2×2×2 surrounding voxels; exact on linear ramps.
    case linear
    /// Separable cubic convolution over the 4×4×4 surrounding voxels, with the Keys kernel at
    /// a = −0.5 (Catmull-Rom; R. Keys, "Cubic convolution interpolation for digital image
    /// processing", IEEE Trans. ASSP 29(6), 1981). It passes through the voxel values (no prefilter)
    /// and reproduces polynomials up to degree 2 exactly away from the border; it can overshoot
    /// at edges, and integer voxel types round and clamp the result to their range.
    case cubic
}
