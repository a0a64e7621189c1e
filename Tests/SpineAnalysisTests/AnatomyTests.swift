import Foundation
import Testing
@testable import SpineAnalysis

@Suite struct AnatomyTests {
    @Test(arguments: [
        (Vertebra.c1, 1), (.c7, 7), (.t1, 8), (.t12, 19), (.t13, 28), (.l1, 20), (.l5, 24), (.l6, 25), (.s1, 26),
        (.coccyx, 27),
    ])
    func verseLabels(vertebra: Vertebra, label: Int) {
        #expect(vertebra.verseLabel == label)
        #expect(Vertebra(verseLabel: label) == vertebra)
    }

    @Test func orderAndVariants() {
        #expect(Vertebra.t12 < .t13 && .t13 < .l1 && .l5 < .l6 && .l6 < .s1)
        #expect(Vertebra.standardSequence.count == 25)
        #expect(Vertebra.l5.nextCaudal == .s1)
        #expect(Vertebra.t12.nextCaudal == .l1)
        #expect(Vertebra.l6.nextCaudal == nil)
        #expect(Vertebra.l5.offsetInStandardSequence(by: -4) == .l1)
        #expect(Vertebra(name: "vertebrae_L3") == .l3)
        #expect(Vertebra(name: "sacrum") == .s1)
    }

    @Test func discLevels() {
        let l45 = DiscLevel(upper: .l4, lower: .l5)
        #expect(l45.name == "L4-L5")
        #expect(l45.verseLabel == 123)
        #expect(DiscLevel(verseLabel: 123) == l45)
        #expect(DiscLevel(verseLabel: 124)?.name == "L5-S1")
        #expect(DiscLevel(verseLabel: 125)?.name == "L6-S1")
        #expect(DiscLevel(verseLabel: 128)?.name == "T13-L1")
        for text in ["L4-L5", "L4/L5", "L4/5", "l45", "L4-5"] { #expect(DiscLevel(name: text) == l45, "\(text)") }
        for text in ["L5-S1", "L5/S1", "L5S1"] { #expect(DiscLevel(name: text)?.name == "L5-S1", "\(text)") }
        #expect(DiscLevel(name: "T12-L1")?.name == "T12-L1")
        #expect(DiscLevel(name: "L5-L4") == nil)
        #expect(DiscLevel.lumbar.map(\.name) == ["T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"])
    }

    @Test func structureClasses() {
        #expect(StructureClass.allCases.count == 11)
        #expect(StructureClass.allCases.map(\.rawValue) == Array(1...11))
        #expect(StructureClass(name: "Spinal Canal") == .spinalCanal)
    }
}

@Suite struct ClassMapTests {
    @Test func presets() throws {
        #expect(ClassMap.spineKit.meaning(of: 3) == .structure(.intervertebralDisc))
        #expect(ClassMap.verse.meaning(of: 24) == .vertebra(.l5, part: .whole))
        #expect(ClassMap.verse.meaning(of: 28) == .vertebra(.t13, part: .whole))
        #expect(ClassMap.verse.meaning(of: 123) == .disc(DiscLevel(upper: .l4, lower: .l5)))
        #expect(ClassMap.verse.meaning(of: 124) == .disc(DiscLevel(upper: .l5, lower: .s1)))
        #expect(ClassMap.spider.meaning(of: 1) == .vertebraByPosition(fromCaudal: 1))
        #expect(ClassMap.spider.meaning(of: 201) == .discByPosition(fromCaudal: 1))
        #expect(ClassMap.totalSegmentatorCT.meaning(of: 27) == .vertebra(.l5, part: .whole))
        #expect(ClassMap.totalSegmentatorCT.meaning(of: 50) == .vertebra(.c1, part: .whole))
        #expect(ClassMap.preset(named: "SPINEPS") == .verse)
        #expect(ClassMap.totalSegmentator(names: [1: "vertebrae_L1", 2: "intervertebral_discs"]).meaning(of: 2)
            == .structure(.intervertebralDisc))
    }

    @Test func userJSONRoundTrip() throws {
        let json = #"{"name": "mine", "version": "3", "labels": {"1": "L1", "2": "L2_body", "7": "L1-L2", "9": "spinal_canal", "10": "vertebra_2_from_caudal", "11": "kidney"}}"#
        let map = try ClassMap.decodeJSON(Data(json.utf8))
        #expect(map.identifier == "mine@3")
        #expect(map.meaning(of: 1) == .vertebra(.l1, part: .whole))
        #expect(map.meaning(of: 2) == .vertebra(.l2, part: .body))
        #expect(map.meaning(of: 7) == .disc(DiscLevel(upper: .l1, lower: .l2)))
        #expect(map.meaning(of: 9) == .structure(.spinalCanal))
        #expect(map.meaning(of: 10) == .vertebraByPosition(fromCaudal: 2))
        #expect(map.meaning(of: 11) == .other("kidney"))
        let back = try ClassMap.decodeJSON(try map.encodeJSON())
        #expect(back == map)
        for preset in ClassMap.presets {
            #expect(try ClassMap.decodeJSON(try preset.encodeJSON()).labels == preset.labels, "\(preset.name)")
        }
        #expect(throws: (any Error).self) { try ClassMap.decodeJSON(Data("{}".utf8)) }
        #expect(throws: (any Error).self) { try ClassMap.decodeJSON(Data(#"{"labels": {"x": "L1"}}"#.utf8)) }
    }
}
