"""Realistic-looking English and Japanese sentences for the search benchmark.

Words are drawn with Zipf-like frequencies (a few very common, a long tail of rare ones), so
queries meet the mix of long and short match lists that real case notes produce. Japanese
sentences chain noun + particle pairs and end with a verb, without spaces, like real text.
"""

from __future__ import annotations

import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EN_WORDS = _words(
    "the of and to a in is was for on that with he she it as at by from they this his her "
    "be are or have not but had you their which one were all we when there can an been has "
    "more if will so no out up what about into them than time only some could new like then "
    "other two these may first any after do said user account posted message profile photo "
    "friend family police report school station phone number address stream video comment "
    "night tonight morning evening location bridge river harbour road street flat building "
    "contact request emergency risk threat life safety welfare check officer detective "
    "sergeant inspector unit agency warrant disclosure subscriber login session device "
    "network provider carrier mobile broadband server email mailbox domain website link "
    "screenshot capture archive evidence record statement witness victim suspect minor age "
    "birthday school college teacher parent mother father brother sister cousin neighbour "
    "car train bus ticket travel hotel airport city town village county country border "
    "money payment bank card transfer wallet crypto invoice shop delivery parcel package "
    "hospital doctor nurse ambulance medicine pills overdose harm hurt injury danger help "
    "helpline crisis counsellor volunteer charity support chat group channel server invite "
    "username handle alias nickname avatar banner bio follower following like share repost "
    "deleted removed suspended banned reported flagged reviewed escalated verified confirmed "
    "denied pending urgent immediate deadline timezone midnight weekend holiday yesterday "
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "camera laptop tablet router modem password recovery backup cloud upload download file "
    "attachment document letter note summary timeline analysis pattern link cluster graph "
    "orchard quarry lighthouse vineyard monastery observatory greenhouse"
)

EN_PHRASES = (
    "last stream",
    "train station",
    "phone number",
    "welfare check",
    "risk to life",
    "going live",
    "new account",
    "home address",
)

JA_NOUNS = _words(
    "自殺 家族 学校 警察 電話 駅前 友人 写真 投稿 配信 住所 連絡 危険 深夜 今夜 明日 昨日 "
    "本人 母親 父親 兄弟 先生 病院 救急 事件 相談 被害 加害 通報 確認 緊急 要請 情報 記録 "
    "画面 動画 位置 時間 場所 名前 年齢 生徒 会社 仕事 部屋 自宅 近所 公園 海岸 橋 川 "
    "配信者 警察署 携帯電話 アカウント スクリーンショット 位置情報 メッセージ コメント "
    "フォロワー ユーザー名 プロフィール ライブ配信 タイムライン ハッシュタグ 書き込み "
    "未成年 高校生 中学生 大学生 行方不明 安全確認 保護者 相談窓口 自傷行為 緊急通報 "
    "東京 大阪 横浜 名古屋 札幌 福岡 京都 神戸 新宿 渋谷 池袋 品川 "
    "最後 お別れ 約束 理由 気持ち 不安 心配 助け 返信 既読 削除 保存 証拠 報告 "
    "灯台 果樹園 天文台 温室 修道院 採石場"
)

JA_PARTICLES = ("は", "が", "を", "に", "で", "と", "の", "から", "まで", "へ", "も")
JA_ENDINGS = (
    "投稿しました。",
    "確認しました。",
    "連絡がありません。",
    "と言っていました。",
    "を配信する予定です。",
    "が心配です。",
    "を見ました。",
    "に行くと書いていました。",
    "を削除しました。",
    "と話していました。",
    "がありました。",
    "は不明です。",
)


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank + 1) ** s for rank in range(n)]


class Corpus:
    """Deterministic sentence source (seeded)."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self._en_weights = _zipf_weights(len(EN_WORDS))
        self._ja_weights = _zipf_weights(len(JA_NOUNS), 0.9)

    def english(self) -> str:
        rng = self.rng
        words = rng.choices(EN_WORDS, self._en_weights, k=rng.randint(6, 22))
        if rng.random() < 0.08:
            words.insert(rng.randrange(len(words) + 1), rng.choice(EN_PHRASES))
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + "."

    def japanese(self) -> str:
        rng = self.rng
        nouns = rng.choices(JA_NOUNS, self._ja_weights, k=rng.randint(2, 6))
        parts = [noun + rng.choice(JA_PARTICLES) for noun in nouns[:-1]]
        return "".join(parts) + nouns[-1] + rng.choice(JA_ENDINGS)

    def text(self, japanese_share: float = 0.2, sentences: int = 1) -> str:
        if self.rng.random() < japanese_share:
            return "".join(self.japanese() for _ in range(sentences))
        return " ".join(self.english() for _ in range(sentences))
