import Foundation
import Testing

@testable import SpineAnalysis

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
        #expect(
            ClassMap.totalSegmentator(names: [1: "vertebrae_L1", 2: "intervertebral_discs"]).meaning(of: 2)
                == .structure(.intervertebralDisc))
    }

    @Test func userJSONRoundTrip() throws {
        let json =
            #"{"name": "mine", "version": "3", "labels": {"1": "L1", "2": "L2_body", "7": "L1-L2", "9": "spinal_canal", "10": "vertebra_2_from_caudal", "11": "kidney"}}"#
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
