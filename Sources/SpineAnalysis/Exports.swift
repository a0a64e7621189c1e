// The typed anatomy (Vertebra, DiscLevel, StructureClass, EnumerationAnomaly) lives in SpineAnatomy;
// re-exported so that `import SpineAnalysis` alone keeps seeing it.
@_exported import SpineAnatomy
