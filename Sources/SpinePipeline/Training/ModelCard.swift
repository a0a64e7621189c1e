import Foundation

/// What a model folder says about how its model was made and how well it did: `model.json`, written by
/// `spine train` beside `plan.json`, `weights.safetensors` and `recipe.json`, and shown by `spine models`.
public struct ModelCard: Codable, Hashable, Sendable {
    public static let file = "model.json"

    /// Dice of one class on the validation cases (computed in the model's frame, 1 mm grid).
    public struct ClassDice: Codable, Hashable, Sendable {
        public var name: String
        public var dice: Double
        /// Validation volumes that annotate this class.
        public var cases: Int

        public init(name: String, dice: Double, cases: Int) {
            self.name = name
            self.dice = dice
            self.cases = cases
        }
    }

    public var name: String
    public var recipe: String
    public var summary: String
    /// The training folder's name and what it held (no patient data).
    public var trainingData: String
    public var trainingCases: [String]
    public var validationCases: [String]
    public var steps: Int
    public var trainingSeconds: Double
    public var threads: Int
    /// Per-class validation Dice after the last step, foreground classes only.
    public var validationDice: [ClassDice]
    public var meanValidationDice: Double
    /// ISO 8601 date of the end of training.
    public var trainedAt: String
    public var spineKitVersion: String

    /// The card in `folder`, or nil when there is none or it cannot be read.
    public static func load(from folder: URL) -> ModelCard? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(file)) else { return nil }
        return try? JSONDecoder().decode(ModelCard.self, from: data)
    }

    /// One line: "trained 2000 steps on 48 phantom studies (…); validation mean Dice 0.91 on 6 cases".
    public var oneLine: String {
        "recipe \(recipe), \(steps) steps on \(trainingCases.count) cases of \(trainingData) in \(Int(trainingSeconds.rounded())) s (\(threads) threads); validation mean Dice \(String(format: "%.3f", meanValidationDice)) on \(validationCases.count) held-out cases ("
            + validationDice.map { "\($0.name) \(String(format: "%.3f", $0.dice))" }.joined(separator: ", ") + ")"
    }
}
