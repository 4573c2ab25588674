/**
 * The visible reply: what the sender wrote this time, without the quoted history, signature and
 * client taglines that mail clients append — across common clients and languages.
 *
 * Everything works on lines of plain text. HTML-only mail reaches here through htmlToText with
 * blockquotes marked as "> " lines, so one set of rules serves both.
 */
import { REPLY_PREFIX, REPLY_REACHES_SENDER } from './machine-wording.ts';

/** Verbs that end a client's attribution line ("On … wrote:") in the languages we know. */
const ATTRIBUTION_VERBS = [
	'wrote',
	'writes',
	'schrieb',
	'a écrit',
	'escribió',
	'ha scritto',
	'schreef',
	'escreveu',
	'skrev',
	'kirjoitti',
	'napisał\\(a\\)',
	'napisała',
	'napisał',
	'pisze',
	// Croatian, Bosnian, Serbian, Slovene, Slovak (before their shorter forms).
	'napisao/la',
	'napisao\\(la\\)',
	'napisao',
	'napisala',
	'napisal\\(a\\)',
	'napisal',
	'napísal\\(a\\)',
	'napísala',
	'napísal',
	'написао/ла',
	'написао',
	// Baltic, Bulgarian, Vietnamese, Indonesian, Icelandic.
	'rašė',
	'rakstīja',
	'kirjutas',
	'написа',
	'đã viết',
	'menulis',
	'skrifaði',
	'napsal\\(a\\)',
	'napsala',
	'napsal',
	'пишет',
	'написал\\(а\\)',
	'написала',
	'написал',
	'пише',
	'написав',
	'yazdı',
	'έγραψε',
	'írta',
	'scrisse',
	'a scris',
	'写道',
	'寫道',
	'のメッセージ',
	// Thunderbird and Becky! in Japanese ("… に Name さんは書きました:"), Thunderbird in Korean
	// ("… Name 이(가) 쓴 글:").
	'書きました',
	'작성',
	'쓴 글',
	'كتب',
	'نوشت',
	'כתב',
	'כתב/ה',
].join( '|' );

/** "On … wrote:" and its translations: an attribution line ending in a known verb. */
const ATTRIBUTION_END = new RegExp(
	`(?:${ ATTRIBUTION_VERBS })(?:\\s+[^:：\\s]{1,40}){0,6}\\s*[:：]$`,
	'iu'
);

/** "Quoting Name <address>:" (Horde, IMP), "You wrote 27 January 2025, 17:40:03:" (The Bat!). */
const QUOTING_ATTRIBUTION =
	/^(?:quoting|zitat von|citerer|siterer|citando|citation de|citaat van|cytuję|cytat od|цитирую|idézet|citerar|lainaus|citace od|alıntı|you wrote|вы писали|ви писали|sie schrieben|du schriebst|vous avez écrit|napisałeś|napisałaś|napsal jste|napsala jste)\s.{1,200}[:：]$/iu;

/**
 * How attribution lines begin in clients that start them with a preposition, Gmail's Persian
 * "در تاریخ …", Arabic "في …" and Hebrew "בתאריך …" and Polish "Dnia …" among them.
 */
const ATTRIBUTION_START =
	/^(?:on|am|le|el|il|op|em|w dniu|dnia|den|dne|dana|il giorno|در تاریخ|في|בתאריך)\s/iu;

/**
 * Gmail's attribution in every language names the quoted sender's address in angle brackets and
 * ends with a colon ("пн, 3 июн. 2024 г. в 10:12, Support <support@example.test>:").
 */
const ADDRESS_ATTRIBUTION = /<[^<>\s]+@[^<>\s]+>\)?.{0,80}[:：]$/u;

/** An SMTP reply: its three-digit code, then an enhanced status code or text. */
const SMTP_REPLY = /^[245]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?[ -]/;

/** A digit in any script: a date written in Persian or Arabic digits ("۵ خرداد ۱۴۰۴") is a date. */
const HAS_DIGIT = /\p{Nd}/u;

/**
 * A year and a time of day ("man. 31. mar. 2025 kl. 16:20", "klo 11.15"): together on a line, the
 * date of an attribution, whatever its language's words around it.
 */
const YEAR = /(?:^|[^\p{Nd}])\p{Nd}{4}(?!\p{Nd})/u;
const TIME_OF_DAY =
	/(?:^|[^\p{Nd}.:])\p{Nd}{1,2}[:.]\p{Nd}{2}(?![\p{Nd}]|[.:]\p{Nd})/u;

/** A line that names an address and ends with a colon. */
const BARE_ADDRESS_ATTRIBUTION = /[^\s<>]+@[^\s<>]+\.[^\s<>]+.{0,60}[:：]$/u;

/** An address in angle brackets, as attribution lines show the quoted sender. */
const BRACKETED_ADDRESS = /<[^<>\s@]+@[^<>\s]+>/u;

/** Field names of the header block Outlook (and forwards) put above quoted mail, by language. */
const FROM_FIELDS = [
	'from',
	'von',
	'de',
	'da',
	'van',
	'från',
	'fra',
	'od',
	'от',
	'від',
	'lähettäjä',
	'feladó',
	'kimden',
	'από',
	'odesílatel',
	'nadawca',
	'remetente',
	'expéditeur',
	'mittente',
	'remitente',
	'afsender',
	'avsender',
	'差出人',
	'发件人',
	'寄件者',
	'寄件人',
	'보낸 사람',
	'من',
	'מאת',
	'saatja',
	'šalje',
	'frá',
	'no',
	'nuo',
	'de la',
	'từ',
	'dari',
	'daripada',
	'nork',
	'از',
	'จาก',
	'प्रेषक',
	'kutoka',
	'mula kay',
	'보낸사람',
	'afzender',
	// Serbian in Cyrillic
	'од',
	// Webmails of Ukraine, Russia and Belarus ("Від кого:", "От кого:", "Ад каго:"), and the
	// sender named so by others.
	'від кого',
	'от кого',
	'ад каго',
	'відправник',
	'отправитель',
];
const OTHER_FIELDS = [
	// sent / date
	'sent',
	'date',
	'gesendet',
	'datum',
	'envoyé',
	'enviado',
	'fecha',
	'data',
	'inviato',
	'verzonden',
	'verstuurd',
	'skickat',
	'sendt',
	'wysłano',
	'отправлено',
	'дата',
	'надіслано',
	'lähetetty',
	'päivämäärä',
	'odesláno',
	'gönderildi',
	'tarih',
	'στάλθηκε',
	'ημερομηνία',
	'elküldve',
	'dátum',
	'送信日時',
	'日付',
	'发送时间',
	'日期',
	'寄件日期',
	'傳送時間',
	'보낸 날짜',
	'날짜',
	'التاريخ',
	'تاريخ',
	'נשלח',
	'תאריך',
	// to / cc
	'to',
	'an',
	'à',
	'a',
	'para',
	'aan',
	'till',
	'til',
	'do',
	'кому',
	'komu',
	'vastaanottaja',
	'címzett',
	'kime',
	'προς',
	'宛先',
	'收件人',
	'收件者',
	'받는 사람',
	'إلى',
	'אל',
	'cc',
	'kopie',
	'копия',
	'kopia',
	'κοιν',
	'抄送',
	'副本',
	'참조',
	'עותק',
	// subject
	'subject',
	'betreff',
	'objet',
	'asunto',
	'oggetto',
	'onderwerp',
	'assunto',
	'ämne',
	'emne',
	'temat',
	'тема',
	'aihe',
	'předmět',
	'tárgy',
	'másolatot kap',
	'konu',
	'θέμα',
	'件名',
	'主题',
	'主旨',
	'제목',
	'الموضوع',
	'נושא',
	// Baltic, South Slavic, Nordic, Romanian, Vietnamese, Indonesian/Malay, Basque, Persian,
	// Thai, Hindi, Swahili, Korean webmail, Afrikaans, Catalan
	'saadetud',
	'adressaat',
	'teema',
	'poslano',
	'poslato',
	'prima',
	'za',
	'tema',
	'послато',
	'изпратено',
	'до',
	'относно',
	'за',
	'efni',
	'nosūtīts',
	'kam',
	'tēma',
	'išsiųsta',
	'trimis',
	'către',
	'subiect',
	// Slovak, Croatian and Slovenian, Arabic's "sent"
	'odoslané',
	'kópia',
	'predmet',
	'kopija',
	'zadeva',
	'تاريخ الإرسال',
	'đã gửi',
	'đến',
	'chủ đề',
	'ngày',
	'dikirim',
	'kepada',
	'perihal',
	'subjek',
	'tanggal',
	'dihantar',
	'noiz',
	'nori',
	'gaia',
	'ارسال شده',
	'به',
	'موضوع',
	'ส่ง',
	'ถึง',
	'เรื่อง',
	'भेजा गया',
	'प्रति',
	'विषय',
	'imetumwa',
	'kwa',
	'mada',
	'받는사람',
	'보낸날짜',
	'gestuur',
	'enviat',
	'per a',
	'assumpte',
	// Ukrainian, Belarusian and Serbian (Cyrillic) fields the lists above miss.
	'відправлено',
	'копія',
	'каму',
	'тэма',
	'датум',
	'копија',
];

function fieldLine( names: readonly string[] ): RegExp {
	const alternatives = names
		.map( ( n ) => n.replace( /[.*+?^${}()|[\]\\]/g, '\\$&' ) )
		.join( '|' );
	// "From:", "*From:*" (bold turned into text), "De :" (French spacing), "发件人："
	return new RegExp( `^\\*?(?:${ alternatives })\\*?\\s?[:：]`, 'iu' );
}

const FROM_LINE = fieldLine( FROM_FIELDS );
const OTHER_FIELD_LINE = fieldLine( OTHER_FIELDS );

/**
 * Whether a line is one of a header block's fields. Asked of every line: most have no colon,
 * which is looked for before the long lists of field names.
 *
 * @param line A cleaned line.
 */
function isFieldLine( line: string ): boolean {
	return (
		( line.includes( ':' ) || line.includes( '：' ) ) &&
		( FROM_LINE.test( line ) || OTHER_FIELD_LINE.test( line ) )
	);
}

/** "-----Original Message-----" and the like: a short title between dash runs. */
const DASHED_TITLE = /^-{3,}\s*([^\s-].{1,48}?[^\s-])\s*-{3,}$/u;

/**
 * The same title with the history's first header run onto its line: Outlook Express ends the
 * title with a space, which format=flowed reads as a soft line break ("----- Original
 * Message ----- From: …").
 */
const DASHED_TITLE_RUN_ON =
	/^-{3,}\s*([^\s-].{1,48}?[^\s-])\s*-{3,}\s+\p{L}[\p{L} -]{0,20}[:：]/u;

/** Words of the dashed titles that start quoted history, in the languages we know. */
const HISTORY_TITLE =
	/original|ursprünglich|origine|originale|oorspronkelijk|ursprungligt|oprindelig|opprinnelig|oryginaln|исходное|původní|alkuperäinen|eredeti|orijinal|özgün|αρχικό|元のメッセージ|原始邮件|原始郵件|원본 메시지|원본 메일|izvorn|izvirn|изворн|originaal|algne|upprunaleg|sākotnēj|pradinis|pesan asli|tin nhắn gốc|پیام اصلی|ต้นฉบับ|मूल संदेश|оригинал|оригінальн|арыгінальн|зыходн|початкове повідомлення|pôvodn|الرسالة الأصلية|הודעה מקורית/iu;

/**
 * Words for a message or letter, in the languages of HISTORY_TITLE: a title not framed in dashes
 * says "original message", not just "original" ("Original booking" over "From: London" is a
 * person's).
 */
const MESSAGE_WORD =
	/message|mail|courriel|correo|nachricht|messaggio|mensaje|mensagem|missatge|bericht|meddelande|meddelelse|melding|besked|wiadomo|сообщени|письм|повідомлен|паведамлен|лист|ліст|писмо|съобщени|порук|poruk|zpráv|správ|sporočil|mesaj|μήνυμα|üzenet|levél|viesti|sõnum|ziņojum|ziņa|laišk|žinut|skilabo|ileti|pesan|tin nhắn|メッセージ|邮件|郵件|메시지|메일|پیام|رسالة|הודעה|संदेश|ข้อความ/iu;

/**
 * A title alone on its line, framed in fewer than three dashes a side or in none, as webmails
 * write it above their header block ("-- Исходное сообщение --", "Wiadomość oryginalna"): a
 * few words, no sentence (no digits, no punctuation but a word's hyphen or apostrophe).
 */
const UNFRAMED_TITLE = /^-*\s*(\p{L}[\p{L}\p{M}'’ -]{1,46}\p{L})\s*-*$/u;

const HISTORY_TITLE_WORDS = new RegExp( HISTORY_TITLE.source, 'giu' );
const MESSAGE_WORDS = new RegExp( MESSAGE_WORD.source, 'giu' );

/**
 * Whether a title says "original message" and no more: a word for "original" and one for a
 * message, in any inflection, with at most a small word beside them ("Message d'origine",
 * "Оригинальное сообщение", "Mesajul original"); a heading that says more ("Original message
 * details", "Original booking") is not the title webmails write.
 *
 * @param title A title's words.
 */
function saysOriginalMessage( title: string ): boolean {
	if ( ! HISTORY_TITLE.test( title ) || ! MESSAGE_WORD.test( title ) ) {
		return false;
	}
	// The words left once those two are marked: small ones only.
	const words = title
		.replace( HISTORY_TITLE_WORDS, '\u0001' )
		.replace( MESSAGE_WORDS, '\u0001' )
		.split( /\s+/ );
	return (
		words.length <= 4 &&
		words.every( ( w ) => w.includes( '\u0001' ) || w.length <= 3 )
	);
}

/** Titles of forwarded messages: their content is what the sender sends us, not history. */
const FORWARD_WORDS =
	/forward|weitergeleitet|transféré|reenviado|encaminhad|inoltrato|doorgestuurd|vidarebefordrat|videresendt|przekazan|пересл|пересыла|перасла|перасыла|přeposlan|välitetty|továbbított|iletilmiş|προωθημένο|転送|转发|轉寄|전달|הועבר|معاد توجيه|begin forwarded message|anfang der weitergeleiteten/iu;

/** Apple Mail's undashed forward title, by language. */
const APPLE_FORWARD_TITLE =
	/^(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|inicio del mensaje reenviado|inizio messaggio inoltrato|begin doorgestuurd bericht|vidarebefordrat brev|start på videresendt besked|videresendt melding|początek przekazywanej wiadomości|начало переадресованного сообщения|転送されたメッセージ|转发的邮件|轉寄的郵件)\s*[:：]?$/iu;

/**
 * The line a client writes under an inline forward, by language: mutt's "----- End forwarded
 * message -----", The Bat!'s "===8<=====End of original message text=====", "-------- End
 * Original Message --------", "----- Ende der weitergeleiteten Nachricht -----", "Fin du message
 * transféré", "Конец пересылаемого сообщения"; framed by dashes, equal signs or scissors, or
 * alone on its line. The word for "end" opens it and a word for "forwarded" or "original" follows.
 */
const FORWARD_END_TEXT =
	/^(?:end(?: of)?(?: the)?|ende(?: der| des)?|fin(?: du| de la| del| de)?|fine(?: del| dei| della)?|einde(?: van het| van)?|slut(?: på)?|slutt(?: på)?|afslutning på|konec|koniec|конец|кінець|канец|sfârșitul|τέλος)\s+(?:[\p{L}-]+\s+){0,2}?(?:forward(?:ed)?|weitergeleitete[nm]?|original(?:e|en|nachricht|message)?|ursprünglichen|transféré|réexpédié|reenviado|encaminhad[ao]|inoltrat[oa]|doorgestuurde?|vidarebefordrat|videresendte?|przekazywanej|przekazanej|přeposlané|исходного|оригинального|пересылаемого|переадресованного|пересланного|προωθημένου)(?![\p{L}])|^(?:välitetyn|alkuperäisen|továbbított|eredeti|iletilen|orijinal) (?:viestin|üzenet|mesajın) (?:loppu|vége|sonu)$/iu;

/** The frame around such a line: dashes, equal signs, underscores, The Bat!'s scissors. */
const FORWARD_END_FRAME = /^[-=_*~#]*(?:8<)?[-=_*~#]*\s*(.*?)\s*[-=_*~#]*$/u;

/**
 * Whether a line ends an inline forward: framed ("----- End forwarded message -----") or alone on
 * its line ("End of forwarded message").
 *
 * @param line A cleaned line.
 */
function isForwardEnd( line: string ): boolean {
	if ( line.length > 100 || line.length < 8 ) {
		return false;
	}
	const text = FORWARD_END_FRAME.exec( line )?.[ 1 ] ?? '';
	const framed = text.length < line.length - 4;
	return (
		text.length <= ( framed ? 50 : 40 ) &&
		FORWARD_END_TEXT.test( text ) &&
		// Unframed, the words alone (a sentence saying so is the sender's own text).
		( framed || /^[\p{L} -]+[:.]?$/u.test( text ) )
	);
}

/**
 * Subject prefixes of a forward (and of a reply, which wins when it comes first): Outlook's in
 * its languages ("WG:", "TR:", "RV:", "I:", "VB:", "PD:", "Doorst:", "ENC:", "VL:",
 * "Továbbítás:", Greek "ΠΡΘ:", Hebrew "הועבר:", Turkish "İLT:" — whose dotted capital İ no
 * case-insensitive "i" matches), and webmails' and Asian clients' words.
 */
export const FORWARD_SUBJECT =
	/^\s*(?:fwd?|wg|tr|rv|i|vb|pd|doorst|enc|vl|továbbítás|[iİ]lt|πρθ|הועבר|доп|пересл|転送|转发|轉寄|轉發|전달)\s*[:：]/iu;

/**
 * "VS:" forwards in Danish and Norwegian but answers in Finnish: a forward only when it answers no
 * email and the header block below, if any, is Danish, Norwegian or English ("Fra:", "From:").
 */
const AMBIGUOUS_FORWARD_SUBJECT = /^\s*vs\s*:/iu;

/** The sender's field of a header block written by a client that forwards with "VS:". */
const VS_FORWARDING_FROM_LINE = fieldLine( [ 'fra', 'from' ] );

/**
 * The writer's own words saying they pass the message below on to us, in the languages whose
 * header blocks are read (their clients forward under "Fwd:", "FW:" or a reply's prefix as well
 * as their own): a forwarding verb in the first person with the message
 * placed below ("Välitän alla olevan viestin …", "Forwarding the email below …", "stuur ik je
 * onderstaande mail door", "továbbítom az alábbi levelet") or named as a message ("I'm forwarding
 * you the email from …", "je vous transfère le mail de …", "ti inoltro la mail …"), or, where
 * the verb says nothing else, the reader as its recipient ("ich leite Ihnen … weiter"). Pointing
 * to a message below ("Please see the message below") passes nothing on; passing the reader's
 * own message on to someone else ("I'm forwarding your quote to our finance team", "välitän
 * viestisi hallitukselle", "ich leite Ihre Nachricht an die Buchhaltung weiter") is a reply, and
 * so is sending something ("I forward you the corrected invoice", "je vous transmets le devis").
 * Matched on the note's lines joined by spaces.
 */
const FORWARDING_NOTE = new RegExp(
	`(?<![\\p{L}\\p{N}])(?:${ [
		// English.
		"(?:forwarding|forward|passing on|pass on)(?: on)? (?:to )?you (?:[\\p{L}'’-]+ ){0,4}(?:e-?mails?|messages?|mails?|notes?|thread|correspondence)(?![\\p{L}])",
		// Not to someone else: "forwarding the email below to our finance team".
		'forwarding (?!your )(?:(?! to )[^.!?]){0,60}(?<![\\p{L}])(?:below|beneath|underneath)(?![\\p{L}])(?! to (?!you))',
		'(?:forwarding|passing) (?:this|it) on to you(?![\\p{L}])',
		'(?:passing|pass) (?:on )?(?:the|this)(?: \\p{L}+){0,4} below(?![\\p{L}])',
		'forwarded (?:e-?mail|message|mail|note|thread)s? (?:below|beneath|underneath)(?![\\p{L}])',
		// German.
		'(?:(?:ich|wir) leiten?|leiten? (?:ich|wir)) (?:ihnen|dir|euch)(?![\\p{L}])[^.!?]{0,80} weiter(?![\\p{L}])',
		'(?:ich|wir) leiten? [^.!?]{0,60}(?<![\\p{L}])(?:unten|untenstehend|nachstehend|folgend)\\p{L}*[^.!?]{0,40} weiter(?![\\p{L}])',
		// French.
		'(?:je|nous) (?:vous |te )?(?:transf[eè]re|transf[eé]rons|fais suivre|faisons suivre|transmets|transmettons)(?! (?:votre|ton|ta|vos|tes) )[^.!?]{0,40}(?<![\\p{L}])(?:message|mail|e-?mail|courriel|ci-dessous)(?![\\p{L}])',
		// Spanish, Italian, Portuguese.
		'reenv[ií]o (?!(?:su|tu|sus|tus) )[^.!?]{0,40}(?<![\\p{L}])(?:correo|mensaje|e-?mail|mail)s?(?![\\p{L}])',
		"inoltro (?!(?:la |il |l'|l’)?(?:sua|tua|vostra|suo|tuo|vostro) )[^.!?]{0,40}(?<![\\p{L}])(?:e-?mail|mail|messaggio|comunicazione|sotto|di seguito)(?![\\p{L}])",
		"(?:ti|vi|le|gli) giro (?:la |questa |l'|l’)(?:e-?)?mail(?![\\p{L}])",
		'(?:re)?encaminh(?:o|amos|ando)[^.!?]{0,40}(?<![\\p{L}])(?:abaixo|a seguir)(?![\\p{L}])',
		// Dutch.
		'(?:stuur|zend)[^.!?]{0,60}(?<![\\p{L}])(?:onderstaande?|hieronder)(?![\\p{L}])[^.!?]{0,40} door(?![\\p{L}])',
		'onderstaande? (?:mail|e-?mail|bericht)[^.!?]{0,20}(?<![\\p{L}])(?:stuur|zend) (?:ik|we)(?![\\p{L}])[^.!?]{0,30} door(?![\\p{L}])',
		// Swedish, Danish, Norwegian.
		'vidarebefordrar[^.!?]{0,60}(?<![\\p{L}])(?:nedan|nedanstående)(?![\\p{L}])',
		'videresender[^.!?]{0,60}(?<![\\p{L}])(?:nedenfor|nedenstående|herunder)(?![\\p{L}])',
		// Polish, Finnish, Hungarian, Turkish, Russian.
		'przekazuję[^.!?]{0,60}(?<![\\p{L}])poniż',
		'przesyłam dalej(?![\\p{L}])',
		'välitän[^.!?]{0,60}(?<![\\p{L}])(?:alla|alapuolella|ohessa|oheisen|tiedoksi)(?![\\p{L}])',
		'välitän (?:teille|sinulle)[^.!?]{0,40}(?<![\\p{L}])(?:viesti|sähköposti|posti)',
		'továbbítom[^.!?]{0,60}(?<![\\p{L}])(?:alábbi|lenti)(?![\\p{L}])',
		'(?:alábbi|lenti)[^.!?]{0,40}(?<![\\p{L}])továbbítom',
		'(?:aşağıdaki|aşağıda)(?![\\p{L}])[^.!?]{0,60}(?<![\\p{L}])iletiyorum',
		'iletiyorum[^.!?]{0,40}(?<![\\p{L}])aşağıda',
		'пересылаю[^.!?]{0,60}(?<![\\p{L}])(?:ниже|письм|сообщени)',
		'ниже пересылаю',
		// Greek ("Σας προωθώ το μήνυμα της ασφαλιστικής"), its question mark a semicolon: to the
		// reader and named as a message or placed below, the message not the reader's own ("το
		// μήνυμά σας"); or placed below and not sent on to someone else ("… στο λογιστήριο").
		'(?:σας|σου) (?:προωθ(?:ώ|ω|ούμε|ουμε)|διαβιβάζ(?:ω|ουμε))(?![\\p{L}])[^.!?;]{0,40}(?<![\\p{L}])(?:μ[ηή]νυμα|μηνύματ\\p{L}*|e-?mails?|mails?|ηλεκτρονικ\\p{L}*|παρακάτω|κάτωθι)(?![\\p{L}])(?! (?:σας|σου)(?![\\p{L}]))',
		'προωθ(?:ώ|ω|ούμε|ουμε)(?![\\p{L}])[^.!?;]{0,60}(?<![\\p{L}])(?:παρακάτω|κάτωθι)(?![\\p{L}])(?! (?:στ(?:ο|ον|ην|ους|ις)|σε)(?![\\p{L}]))',
		// Czech, Slovak, Ukrainian, Bulgarian, Croatian, Serbian, Slovenian, Romanian, Hebrew: to
		// the reader ("přeposílám Vám zprávu …", "пересилаю вам лист …", "prosljeđujem vam
		// poruku …", "vă redirecționez mesajul …", "אני מעבירה לכם את המייל …") and named as a
		// message or placed below; or placed below.
		'(?:přeposílám|přeposíláme|preposielam|preposielame) (?:vám|ti)(?![\\p{L}])[^.!?]{0,40}(?<![\\p{L}])(?:zpráv|správ|e-?mail|mail|níže|nižšie)',
		'(?:přeposílám|přeposíláme|preposielam|preposielame)[^.!?]{0,60}(?<![\\p{L}])(?:níže|nižšie)(?![\\p{L}])',
		'(?:пересилаю|пересилаємо) (?:вам|тобі)(?![\\p{L}])[^.!?]{0,40}(?<![\\p{L}])(?:лист|повідомлен|нижче)',
		'(?:пересилаю|пересилаємо)[^.!?]{0,60}(?<![\\p{L}])нижче(?![\\p{L}])',
		'(?:препращам|препращаме) (?:ви|ти)(?![\\p{L}])[^.!?]{0,40}(?<![\\p{L}])(?:писм|имейл|съобщени|по-долу)',
		'(?:препращам|препращаме)[^.!?]{0,60}(?<![\\p{L}])по-долу(?![\\p{L}])',
		'(?:prosljeđujem|proslijeđujem|prosleđujem|prosledjujem|prosljeđujemo|prosleđujemo|posredujem|posredujemo|прослеђујем|прослеђујемо) (?:vam|ti|вам|ти)(?![\\p{L}])[^.!?]{0,40}(?<![\\p{L}])(?:poruk|e-?mail|mail|mejl|sporočil|ispod|spodaj|u nastavku|поруку|мејл|имејл|испод)',
		'(?:prosljeđujem|proslijeđujem|prosleđujem|prosledjujem|posredujem|прослеђујем)[^.!?]{0,60}(?<![\\p{L}])(?:ispod|spodaj|u nastavku|v nadaljevanju|испод)(?![\\p{L}])',
		'vă (?:redirecționez|redirecţionez|trimit mai departe|înaintez)(?![\\p{L}])[^.!?]{0,40}(?<![\\p{L}])(?:mesaj|e-?mail|mail|mai jos)',
		'(?:redirecționez|redirecţionez|trimit mai departe|înaintez)[^.!?]{0,60}(?<![\\p{L}])mai jos(?![\\p{L}])',
		'(?:מעביר|מעבירה|מעבירים|מעבירות) (?:לך|לכם|לכן|אליך|אליכם)(?![\\p{L}])[^.!?]{0,40}(?<![\\p{L}])(?:ה?הודעה|ה?מייל|ה?אימייל|ה?מכתב|למטה)',
	].join( '|' ) })` +
		// Japanese, Chinese, Korean: no spaces between words.
		'|(?:以下|下記)[^。]{0,15}転送(?:します|いたします|致します|させていただきます)' +
		'|(?:转发|轉發|轉寄)(?:给|給)?(?:你|您)|(?:以下|下面)[^。]{0,10}(?:转发|轉發|轉寄)|(?:转发|轉發|轉寄)(?:以下|下面)' +
		'|아래[^.]{0,15}전달(?:드립니다|합니다|드려요|해 ?드립니다)',
	'iu'
);

/** Client taglines at the end of what the sender wrote ("Sent from my iPhone"). */
/** A "sent from/with/via" line naming a device or mail app, in several languages. */
const DEVICE_TAGLINE =
	/^(?:sent|gesendet|envoyé|enviado|inviato|verzonden|verstuurd|skickat|sendt|wysłane|wysłano|odesláno|odoslané|отправлено|надіслано|poslano|poslato|lähetetty|elküldve|gönderildi|trimis|dikirim|(?:đã|được) gửi)\s+(?:from|with|via|using|on|mit|von|vom|über|avec|depuis|à partir de|de|do|du|desde|con|da|dal|dalla|dallo|met|vanaf|från|fra|med|z|ze|с|из|з|iz|od|din|dari|từ)\s.{0,80}?(?:iphone|correio|courrier|correo|posta para|posta per|ipad|ipod|android|blackberry|samsung|galaxy|huawei|honor|xiaomi|redmi|oneplus|oppo|vivo|pixel|nokia|motorola|mobile|mobil|mobiel|móvil|cellulare|handy|smartphone|phone|telefon|tablet|device|gerät|appareil|dispositivo|app|mail|outlook|yahoo|aol|airmail|spark|proton|gmx|web\.de|t-online|zoho|yandex|почты|почта|superhuman|hey|newton|edison|bluemail|aquamail|k-9|fairemail|canary|polymail|mailspring|thunderbird|seznam|libero|orange|laposte)\b.{0,60}$/iu;

/** Lines a helpdesk or CRM adds to track its conversation ("{#HS:123-45#}", "ref:_00D…:ref"). */
const TRACKING_LINE =
	/^(?:\{#[A-Z]{1,6}:[\w-]{1,40}#\}|\[?ref:[\w.!]{4,80}:ref\]?|##- .{10,80} -##)$/i;

const TAGLINE =
	/^(?:sent from my\b.{0,40}|sent from (?:mail|outlook|yahoo mail|my mobile)\b.{0,60}|sent with proton ?mail.{0,60}|sent from proton ?mail.{0,60}|get outlook for (?:ios|android)\b.{0,60}|sent via .{1,30} mobile.{0,20}|von mein(?:em|er)(?:\/mein(?:em|er))?\s.{1,40} gesendet|gesendet von meinem .{1,40}|gesendet von .{1,20} für (?:ios|android)|envoyé de mon .{1,40}|envoyé depuis .{1,40}|enviado desde mi .{1,40}|enviado do meu .{1,40}|enviado de meu .{1,40}|inviato da .{1,40}|verstuurd vanaf mijn .{1,40}|verzonden vanaf mijn .{1,40}|skickat från min .{1,40}|sendt fra min .{1,40}|sendt fra .{1,20} for (?:ios|android)|verzonden vanuit (?:mail voor windows(?: \d{1,2})?|outlook(?: voor (?:ios|android))?)|wysłane z .{1,40}|wysłano z .{1,40}|odoslané zo? (?:môjho )?(?:iphon|ipad|samsung|galax|android|outlook|mobil|telef|smartf|tablet)\S*(?: .{1,30})?|enviat des del meu .{1,40}|poslato sa (?:mog|mojeg) .{1,40}|изпратено от (?:моя|моето) .{1,40}|αποστολή από το (?:iphone|ipad) μου|отправлено с .{1,40}|отправлено из .{1,40}|надіслано з .{1,40}|lähetetty .{1,40}|odesláno z .{1,40}|iphone'?umdan gönderildi|(?:ส่งจาก|gửi từ|dikirim dari|dihantar dari|στάλθηκε από|trimis de pe|odesláno z|надіслано з|poslano s|poslano iz|enviat des de|lähetetty) .{1,40}|iphone から送信|iphoneから送信|从我的 ?iphone 发送|从我的 ?iphone发送|發自我的 ?iphone|從我的 ?(?:iphone|ipad) ?傳送|[发發]自(?:我的)? ?[\p{L}\d ]{1,20}|נשלח (?:מה-?|מ-|ממכשיר (?:ה-?)?|מהטלפון (?:החכם )?(?:ה-?)?)(?:iphone|ipad|android|samsung|galaxy|outlook|אייפון|אייפד|אנדרואיד|סמסונג|גלקסי).{0,30}|أُ?رسلت من .{1,30}|(?:تم )?(?:الإرسال|الارسال|إرسال|ارسال|مرسل|مُرسل|أرسل) من (?:جهاز |هاتف |الـ ?)?(?:iphone|ipad|android|samsung|galaxy|outlook|آيفون|ايفون|آيباد|ايباد|أندرويد|اندرويد|سامسونج|جالكسي).{0,30}|(?:ارسال|فرستاده)[\s\u200c]?شده از (?:طریق |گوشی |دستگاه )?(?:iphone|ipad|android|samsung|galaxy|outlook|آیفون|آیپد|اندروید|سامسونگ|گلکسی).{0,30})\.?$/iu;

/**
 * Taglines that end in their verb, any words before it (Hindi, Hungarian, Korean, Turkish): tried only on
 * a line that ends so, since a pattern that starts with any characters is dear on every line.
 */
const TAGLINE_ENDING_IN_VERB =
	/^(?:.{1,30} से भेजा गया|(?:az )?.{1,30}(?:-ról|-ről|ról|ről) küldve|(?:나의 )?[\p{L}\d ]{1,20}에서 보냄|(?:[\p{L}\d' ]{0,30} )?\S*(?:cihaz|telefon|tablet|galaxy|iphone|ipad|android|huawei|xiaomi|redmi|mobil|outlook)\S* gönderildi)\.?$/iu;

/**
 * A client's tagline said as a whole sentence, naming the phone or the app it was sent from:
 * GMX's, WEB.DE's and K-9's "Diese Nachricht wurde von meinem Android Mobiltelefon mit GMX Mail
 * gesendet.", "Dit bericht is verzonden vanaf mijn Android-apparaat met K-9 Mail.", "Ce message
 * a été envoyé depuis mon iPhone." — ending within a few words of the device, where a person's
 * sentence about their phone goes on ("…from my work mobile, so the photos are small.").
 */
const DEVICE_SENTENCE =
	/^(?:diese (?:nachricht|e-?mail|mail) wurde|dit (?:bericht|e-?mailbericht) (?:is|werd)|ce (?:message|courriel|mail) a été|este (?:mensaje|correo) (?:fue|ha sido|se ha)|questo messaggio è stato|esta mensagem foi|this (?:message|e-?mail) (?:was|has been))\s(?=(?:[^.!?]|\.(?=\S)){0,120}?\b(?:gesendet|versendet|verschickt|verzonden|verstuurd|envoyée?|enviad[oa]|inviato|sent)\b)(?:[^.!?]|\.(?=\S)){0,80}?\b(?:iphone|ipad|android|blackberry|samsung|galaxy|huawei|xiaomi|pixel|mobiltelefon|handy|smartphone|tablet|mobiel|mobile|móvil|cellulare|celular|telemóvel|gerät|apparaat|appareil|dispositivo|gmx|web\.de|t-online|k-9|fairemail|aquamail)\b(?:[-\s]+[\p{L}\d&.-]+){0,5}\.?$/iu;

/**
 * Whether the line's first `end` characters end with Hungarian "küldve" in any case; the last
 * letter is looked at first, since most lines end otherwise.
 *
 * @param line A line.
 * @param end  Where its text ends (before a full stop).
 */
function endsWithKuldve( line: string, end: number ): boolean {
	const last = line.charCodeAt( end - 1 );
	return (
		( last === 0x65 || last === 0x45 ) &&
		line.slice( Math.max( 0, end - 6 ), end ).toLowerCase() === 'küldve'
	);
}

export function isTagline( line: string ): boolean {
	if ( TAGLINE.test( line ) ) {
		return true;
	}
	if ( line.length <= 160 && DEVICE_SENTENCE.test( line ) ) {
		return true;
	}
	const end = line.length - ( line.endsWith( '.' ) ? 1 : 0 );
	return (
		( line.endsWith( 'भेजा गया', end ) ||
			endsWithKuldve( line, end ) ||
			line.endsWith( '보냄', end ) ||
			line.endsWith( 'gönderildi', end ) ) &&
		TAGLINE_ENDING_IN_VERB.test( line )
	);
}

/**
 * Outlook's mobile tagline in the app's language — "Get Outlook for iOS", "Scarica Outlook per
 * Android", "获取 Outlook for iOS", "Android 版 Outlook を入手", "Outlook für iOS beziehen", "Skaffa
 * Outlook för iOS", "Nabavite Outlook za iOS" — often with its link appended.
 * Taken as a tagline only where the sender's text ends (see isClosingAppTagline).
 */
const OUTLOOK_APP_TAGLINE =
	/^(?:(?:get|download|scarica|ottieni|获取|取得|下載|下载|holen sie sich|hol dir|télécharger|téléchargez|obtenir|obtenez|obtener|obtén|descargar|descarga|descargue|obter|obtenha|baixe|baixar|hämta|hent|få|hanki|lataa|skaffa|skaff|nabavite|preuzmite|prenesite|pridobite|pobierz(?: aplikację)?|stáhněte si|stáhnout|загрузите|скачайте|скачать|получите|завантажте|töltse le|descărcați|dapatkan|unduh|tải|احصل على|الحصول على|تنزيل|نزّل|הורד את|קבל את|השג את|دریافت|دانلود)\s+(?:the\s+|o\s+|l'app\s+)?outlook\s+(?:for|für|voor|pour|para|per|til|för|dla|pro|za|pentru|için|для|για|עבור|برای|لـ|ل|لنظام)\s*(?:systemu\s+|system\s+)?(?:ios|android)|outlook\s+(?:für|voor|for|til|för)\s+(?:ios|android)\s+(?:herunterladen|downloaden|holen|beziehen|erhalten|ophalen|hämta|hent|laden)|(?:ios|android)\s*(?:版|용|için|向け|用)\s*(?:の\s*)?outlook\s*(?:を入手|다운로드|받기|'?u? ?edinin|indirin)?)\s*$/iu;

/**
 * Any mail app's "Get <App> for Android" in a few words, in whatever language: the app's name
 * capitalised (or Latin among another script), right before "for iOS/Android". Taken only where
 * the sender's text ends, and never when it asks or ends a sentence.
 */
const MAIL_APP_TAGLINE =
	/^(?:\S+\s+){0,3}[A-Z][\w-]{1,20}(?:\s+[A-Z][\w-]{1,20})?\s+(?:for|für|voor|pour|para|per|til|för|dla|pro|pentru|için|для|για|עבור|برای|لنظام)\s+(?:iOS|IOS|ios|Android|android|iPhone|iPad)$/u;

/** A platform named in an app's tagline; any case ("IOS", "iPhone"). */
const APP_PLATFORM =
	/[iI][oO][sS]|[aA][nN][dD][rR][oO][iI][dD]|[iI][pP](?:[hH][oO][nN][eE]|[aA][dD])/;

/** A link a client puts in its tagline: "<https://aka.ms/o0ukef>", appended or after the app's name. */
const INLINE_LINK = /\s*<https?:\/\/[^\s>]{1,200}>/gu;

/** The line htmlToText puts where a client's marked rule starts the quoted history. */
export const HISTORY_RULE = '\uE002';

/** GroupWise's ">>> Name <address> 03.06.2024 10:12 >>>" above unquoted history. */
const GROUPWISE_ATTRIBUTION = /^>>>\s.{3,300}>>>$/u;

/**
 * Whether a line is GroupWise's attribution. The checks of findBoundary() are asked of every
 * line, so each pattern that needs a symbol first (">>>", "---", "____") is tried only on lines
 * that start with it.
 *
 * @param line A cleaned line.
 */
function isGroupwiseAttribution( line: string ): boolean {
	return line.startsWith( '>>>' ) && GROUPWISE_ATTRIBUTION.test( line );
}

function isSignatureStart( line: string ): boolean {
	// Windows Mail links its own name inside the tagline ("Sent from Mail<https://…> for
	// Windows").
	const bare = line.includes( '<http' )
		? line.replace( /\s*<https?:\/\/[^\s>]{1,200}>/g, '' )
		: line;
	return bare === '--' || isTagline( bare ) || DEVICE_TAGLINE.test( bare );
}

/** Bidi controls and no-break spaces: what clean() takes out of a line. */
const BIDI_OR_NBSP = /[\u200E\u200F\u202A-\u202E\u2066-\u2069\u00a0]/;

function trimmed( line: string ): string {
	return line.trim();
}

function clean( line: string ): string {
	// Bidi controls wrap names and addresses in right-to-left attributions (Arabic Gmail).
	return line
		.replace( /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '' )
		.replace( /\u00a0/g, ' ' )
		.trim();
}

function isQuote( line: string ): boolean {
	// Also "ES> …": The Bat! and Supercite put the quoted writer's initials before the ">".
	return (
		line.startsWith( '>' ) ||
		( line.includes( '>' ) && INITIALS_QUOTE.test( line ) )
	);
}

/** A quote prefix with the quoted writer's initials ("ES> "). */
const INITIALS_QUOTE = /^[A-ZА-ЯЁІЇЄ]{1,3}>(?: |$)/u;

/**
 * Whether a line reads like the start of an attribution that continues on the next line (asked
 * only once the line alone is not one: most lines are neither).
 *
 * @param line A cleaned line.
 */
function mayWrapAttribution( line: string ): boolean {
	return (
		ATTRIBUTION_START.test( line ) ||
		endsWithOpening( line ) ||
		line.endsWith( '@' ) ||
		( line.includes( '@' ) &&
			BRACKETED_ADDRESS.test( line ) &&
			HAS_DIGIT.test( line ) ) ||
		// Gmail wraps a long attribution after the quoted sender's name, in any language ("man.
		// 31. mar. 2025 kl. 16:20 skrev Name" / "<support@example.test>:"); what it joins to
		// must still read as one below.
		( HAS_DIGIT.test( line ) &&
			YEAR.test( line ) &&
			TIME_OF_DAY.test( line ) )
	);
}

/**
 * Whether an attribution line ("On … wrote:") starts at line i, possibly wrapped over up to
 * three lines as Gmail does with long names. Returns the number of lines it spans, or 0.
 *
 * @param lines Cleaned lines.
 * @param i     Index.
 */
function attributionAt( lines: readonly string[], i: number ): number {
	const first = lines[ i ] as string;
	// Most lines are none of these, and the loop below would only find that out dearer.
	if (
		! endsWithColon( first ) &&
		! first.startsWith( '--' ) &&
		! mayWrapAttribution( first )
	) {
		return 0;
	}
	let joined = '';
	for ( let span = 1; span <= 3 && i + span <= lines.length; span++ ) {
		const line = lines[ i + span - 1 ] as string;
		if ( line === '' || isQuote( line ) ) {
			return 0;
		}
		// Gmail breaks "<" from the address it opens.
		const glue = endsWithOpening( joined ) ? '' : ' ';
		joined = span === 1 ? line : `${ joined }${ glue }${ line }`;
		if ( joined.length > 400 ) {
			return 0;
		}
		// Zoho frames it in dashes and drops the colon: "---- On … wrote ----".
		const undashed = joined.startsWith( '--' )
			? joined.replace( /^-{2,}\s*/, '' ).replace( /\s*-{2,}$/, '' )
			: joined;
		// Notes keeps the colon inside the dashes ("-----Name <a@b> wrote: -----").
		const candidate =
			undashed !== joined && ! endsWithColon( undashed )
				? `${ undashed }:`
				: undashed;
		if ( looksLikeAttribution( candidate, lines, i + span ) ) {
			return span;
		}
		if (
			endsWithColon( joined ) ||
			( span === 1 && ! mayWrapAttribution( first ) )
		) {
			return 0;
		}
	}
	return 0;
}

/**
 * Whether a line ends with a colon (or the full-width one). Asked of every line: endsWith, where a
 * pattern anchored at the end would be tried at every position.
 *
 * @param line A line.
 */
function endsWithColon( line: string ): boolean {
	return line.endsWith( ':' ) || line.endsWith( '：' );
}

/**
 * Whether a line ends with an opening "<" or "(" that the next line closes (Gmail's wrapping).
 *
 * @param line A line.
 */
function endsWithOpening( line: string ): boolean {
	return line.endsWith( '<' ) || line.endsWith( '(' );
}

function looksLikeAttribution(
	text: string,
	lines: readonly string[],
	next: number
): boolean {
	// Every form below ends with a colon; most lines don't, and the patterns are dear on them.
	if ( ! text.endsWith( ':' ) && ! text.endsWith( '：' ) ) {
		return false;
	}
	// A mail server's reply pasted from a bounce ("550 5.1.1 <x@example.org>: Recipient
	// address rejected:") names an address and ends with a colon too.
	if ( SMTP_REPLY.test( text ) ) {
		return false;
	}
	if ( ADDRESS_ATTRIBUTION.test( text ) && HAS_DIGIT.test( text ) ) {
		return true;
	}
	// "03.06.2024, 10:12 von support@example.test:" (Tuta and others) above quoted lines.
	if (
		BARE_ADDRESS_ATTRIBUTION.test( text ) &&
		HAS_DIGIT.test( text ) &&
		isQuote( nextNonEmpty( lines, next ) )
	) {
		return true;
	}
	// Horde and IMP put the verb first: "Zitat von Support <support@example.test>:".
	if ( QUOTING_ATTRIBUTION.test( text ) ) {
		return true;
	}
	if ( ! ATTRIBUTION_END.test( text ) ) {
		return false;
	}
	// "On … wrote:", or any "Name wrote:" that quoted lines follow (Thunderbird's short form).
	// A client's attribution dates what it quotes (a year, a time of day, a numeric date); a
	// sentence of the writer's own that names only a list's number or a day of the month ("2) In
	// the report of 3 March your technician wrote:") introduces a citation of theirs.
	return (
		ATTRIBUTION_START.test( text ) ||
		datesQuotedMail( text ) ||
		text.includes( '@' ) ||
		isQuote( nextNonEmpty( lines, next ) )
	);
}

/**
 * Whether a line dates a message the way a client's attribution does: a year, a time of day or a
 * numeric date ("03/03/25").
 *
 * @param text The line.
 */
function datesQuotedMail( text: string ): boolean {
	return (
		YEAR.test( text ) ||
		TIME_OF_DAY.test( text ) ||
		/(?:^|[^\p{Nd}])\p{Nd}{1,2}[./-]\p{Nd}{1,2}[./-]\p{Nd}{2}/u.test( text )
	);
}

function nextNonEmpty( lines: readonly string[], from: number ): string {
	for ( let j = from; j < lines.length; j++ ) {
		if ( lines[ j ] !== '' ) {
			return lines[ j ] as string;
		}
	}
	return '';
}

/**
 * Whether a header block of quoted mail ("From: … / Sent: … / To: … / Subject: …") starts at i.
 *
 * @param lines     Cleaned lines.
 * @param i         Index.
 * @param minFields How many fields make a block: three alone, fewer under a title that says
 *                  what follows (ukr.net writes only "Від кого:" and "Дата:").
 */
function headerBlockAt(
	lines: readonly string[],
	i: number,
	minFields = 3
): boolean {
	const first = lines[ i ] as string;
	if ( ! isFieldLine( first ) ) {
		return false;
	}
	// Clients differ in the order (web.de and GMX put "Gesendet:" first): the block is three or
	// more field lines close together, one of them naming the sender.
	let fields = 0;
	let from = false;
	for ( let j = i; j < Math.min( lines.length, i + 8 ); j++ ) {
		const line = lines[ j ] as string;
		if ( FROM_LINE.test( line ) ) {
			from = true;
			fields++;
		} else if ( OTHER_FIELD_LINE.test( line ) ) {
			fields++;
		}
	}
	return from && fields >= minFields;
}

/**
 * Whether a "VS:" without a thread is a forward: unless the first header block below is in
 * another language (Finnish "Lähettäjä:", Hungarian "Feladó:"), whose client answers with it or
 * does not write it at all.
 *
 * @param lines Cleaned lines.
 */
function vsForwards( lines: readonly string[] ): boolean {
	for ( let i = 0; i < lines.length; i++ ) {
		if ( ! headerBlockAt( lines, i ) ) {
			continue;
		}
		for ( let j = i; j < Math.min( lines.length, i + 8 ); j++ ) {
			const line = lines[ j ] as string;
			if ( FROM_LINE.test( line ) ) {
				return VS_FORWARDING_FROM_LINE.test( line );
			}
		}
	}
	return true;
}

/**
 * Whether the writer's own words, above the first header block, rule, dashed title, attribution
 * or quoted line, say they pass the message below on to us (FORWARDING_NOTE): a forward, whatever
 * the subject's prefix — people send on what they received with "Reply" too (Finnish Outlook's
 * "VS:", where its forward is "VL:").
 *
 * @param lines Cleaned lines.
 */
function saysItForwards( lines: readonly string[] ): boolean {
	const note: string[] = [];
	for ( let i = 0; i < lines.length && i < 40; i++ ) {
		const line = lines[ i ] as string;
		if (
			line.startsWith( '---' ) ||
			/^_{8,}$/.test( line ) ||
			isQuote( line ) ||
			headerBlockAt( lines, i ) ||
			historyTitleAt( lines, i ) ||
			attributionAt( lines, i ) > 0
		) {
			break;
		}
		note.push( line );
	}
	return FORWARDING_NOTE.test( note.join( ' ' ) );
}

function isHistoryTitle( line: string ): boolean {
	if ( ! line.startsWith( '---' ) ) {
		return false;
	}
	const dashed =
		DASHED_TITLE.exec( line ) ?? DASHED_TITLE_RUN_ON.exec( line );
	return dashed !== null && HISTORY_TITLE.test( dashed[ 1 ] as string );
}

/**
 * Whether a title of quoted history is at line i: framed in dash runs ("-----Original
 * Message-----"), or, framed in fewer dashes or in none, saying "original message" right above a
 * header block that names the sender ("--- Оригінальне повідомлення ---" / "Від кого: …" /
 * "Дата: …", "Wiadomość oryginalna" / "Od: …"): webmails (ukr.net, abv.bg, Seznam, Onet …) write
 * their own, with as many dashes as they like. A person's sentence about the original message,
 * or such a heading over their own text, is neither.
 *
 * @param lines Cleaned lines.
 * @param i     Line index.
 */
function historyTitleAt( lines: readonly string[], i: number ): boolean {
	const line = lines[ i ] as string;
	if ( isHistoryTitle( line ) ) {
		return true;
	}
	// Asked of every line: most are too long, hold a colon, or have no field line below.
	if ( line.length > 60 || line.includes( ':' ) ) {
		return false;
	}
	const j = nextIndex( lines, i + 1 );
	if ( j <= i || ! isFieldLine( lines[ j ] as string ) ) {
		return false;
	}
	const title = UNFRAMED_TITLE.exec( line )?.[ 1 ];
	return (
		title !== undefined &&
		saysOriginalMessage( title ) &&
		headerBlockAt( lines, j, 2 )
	);
}

function isForwardTitle( line: string ): boolean {
	const dashed = line.startsWith( '---' ) ? DASHED_TITLE.exec( line ) : null;
	return dashed !== null
		? FORWARD_WORDS.test( dashed[ 1 ] as string )
		: APPLE_FORWARD_TITLE.test( line );
}

/**
 * Whether line i is an app's tagline with nothing of the sender's after it: only blank lines,
 * then the end or the quoted history.
 *
 * @param lines Cleaned lines.
 * @param i     Line index.
 */
function isClosingAppTagline( lines: readonly string[], i: number ): boolean {
	const raw = lines[ i ] as string;
	if ( raw.length > 120 || ! APP_PLATFORM.test( raw ) ) {
		return false;
	}
	// Its link appended, or inside it after the app's name ("Outlook voor iOS<https://aka.ms/…>
	// downloaden").
	const line = raw.includes( '<http' )
		? raw.replace( INLINE_LINK, '' ).trim()
		: raw;
	if (
		! OUTLOOK_APP_TAGLINE.test( line ) &&
		! MAIL_APP_TAGLINE.test( line )
	) {
		return false;
	}
	return endsOwnText( lines, i );
}

/**
 * Whether nothing of the sender's follows line i: only blank lines, then the end or the
 * quoted history.
 *
 * @param lines Cleaned lines.
 * @param i     Line index.
 */
function endsOwnText( lines: readonly string[], i: number ): boolean {
	const j = nextIndex( lines, i + 1 );
	const next = lines[ j ] as string;
	return (
		j === i ||
		next === '' ||
		next === HISTORY_RULE ||
		/^_{8,}$/.test( next ) ||
		isQuote( next ) ||
		historyTitleAt( lines, j ) ||
		headerBlockAt( lines, j ) ||
		attributionAt( lines, j ) > 0
	);
}

/** The date under the author in a helpdesk's comment: "Apr 16, 2025, 09:31 CEST", "16.04.2025 09:31". */
const COMMENT_DATE =
	/^(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2}\.? [A-Za-z]{3,9}\.? \d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}),? (?:at )?\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?(?: (?:[A-Z]{2,5}|UTC[+-]\d{1,2}))?$/u;

/** The rule a helpdesk puts between the comments of a conversation (Zendesk). */
const COMMENT_RULE = /^-{16,}$/;

/**
 * Whether a helpdesk comment's header starts at line i: the author alone on a line, then the
 * date ("Chris (Northwind Outfitters)" / "Apr 16, 2025, 09:31 CEST").
 *
 * @param lines Cleaned lines.
 * @param i     Line index.
 */
function commentHeaderAt( lines: readonly string[], i: number ): boolean {
	const author = lines[ i ] ?? '';
	if ( author === '' || author.length > 80 || /[.!?:;,]$/.test( author ) ) {
		return false;
	}
	const j = nextIndex( lines, i + 1 );
	return j > i && COMMENT_DATE.test( lines[ j ] as string );
}

type Boundary =
	| { kind: 'quote-history'; at: number; skip: number }
	| { kind: 'history'; at: number }
	| { kind: 'signature'; at: number };

/**
 * The first line where the sender's own text ends.
 *
 * @param lines                 Cleaned lines.
 * @param options
 * @param options.forwarded     Whether the email is a forward: its first header block is content.
 * @param options.answering     Whether the email answers another (and is no forward).
 * @param options.keepSignature Whether signatures and taglines stay (only history ends the text).
 * @param options.appTaglines   Whether the text names a platform an app's tagline would.
 * @param options.noteOnly      Whether a forwarded email ends the sender's text too.
 */
function findBoundary(
	lines: readonly string[],
	options: {
		forwarded: boolean;
		answering: boolean;
		keepSignature: boolean;
		appTaglines: boolean;
		noteOnly: boolean;
	}
): Boundary | null {
	const { forwarded, answering, keepSignature, appTaglines, noteOnly } =
		options;
	for ( let i = 0; i < lines.length; i++ ) {
		const line = lines[ i ] as string;
		if ( line === '' ) {
			continue;
		}
		if (
			! keepSignature &&
			( isSignatureStart( line ) ||
				( appTaglines && isClosingAppTagline( lines, i ) ) )
		) {
			return { kind: 'signature', at: i };
		}
		if ( isGroupwiseAttribution( line ) || line === HISTORY_RULE ) {
			return { kind: 'history', at: i };
		}
		if ( isForwardTitle( line ) ) {
			if ( noteOnly ) {
				return { kind: 'history', at: i };
			}
			// Everything from here on is the forwarded email: content, not history — but a reply
			// that carries a forwarded email under its note still quotes, at its end, the email
			// it answers.
			const quoted = answering ? trailingQuotationAt( lines, i + 1 ) : -1;
			return quoted !== -1 ? { kind: 'history', at: quoted } : null;
		}
		if ( historyTitleAt( lines, i ) ) {
			// In a forward (by its subject), "----- Original Message -----" titles the forwarded
			// email (Outlook, QQ Mail, Foxmail): content.
			if ( forwarded ) {
				return null;
			}
			// Zimbra's "----- Mail original -----" above '>' lines the sender answered between.
			return isQuote( lines[ nextIndex( lines, i + 1 ) ] as string )
				? { kind: 'quote-history', at: i, skip: 1 }
				: { kind: 'history', at: i };
		}
		// A customer's helpdesk answering: its conversation, newest comment first, one rule
		// between comments.
		if (
			line.startsWith( '----------------' ) &&
			COMMENT_RULE.test( line ) &&
			commentHeaderAt( lines, nextIndex( lines, i + 1 ) )
		) {
			return { kind: 'history', at: i };
		}
		const separator =
			line.startsWith( '________' ) &&
			/^_{8,}$/.test( line ) &&
			headerBlockAt( lines, nextIndex( lines, i + 1 ) );
		if ( separator || headerBlockAt( lines, i ) ) {
			// A forward without a title (Outlook's "FW:") shows the forwarded mail's header block.
			return forwarded ? null : { kind: 'history', at: i };
		}
		const span = attributionAt( lines, i );
		if ( span > 0 ) {
			// Under the attribution, '>' lines may be answered in between; unquoted history
			// (Yahoo's plain text) ends the sender's text right there — unless the line is a
			// platform's, introducing the message it relays.
			const next = nextIndex( lines, i + span );
			if ( next < i + span || isQuote( lines[ next ] as string ) ) {
				return { kind: 'quote-history', at: i, skip: span };
			}
			if ( introducesRelayedMessage( lines, i, span ) ) {
				i += span - 1;
				continue;
			}
			return { kind: 'history', at: i };
		}
		if ( isQuote( line ) ) {
			return { kind: 'quote-history', at: i, skip: 0 };
		}
	}
	return null;
}

/**
 * Whether an unquoted "Name wrote:" line is a platform's own, introducing in its notice the
 * message a person sent through it ("Priya S. (booking BW-71930425, Sat 3 May 2025, 11:30)
 * wrote:"), not a client's attribution above the history of a reply: below the message, the
 * platform says a reply to its notice reaches that person ("You can reply to this email and your
 * answer will be sent to Priya via Bookwell", "Antworten Sie auf diese E-Mail, um Anna direkt zu
 * antworten"). A client's attribution starts with a preposition ("On …", "Am …") or names an
 * address; a notice quoted in a reply's unquoted history sits under the client's attribution,
 * which names the platform, not the person its pointer names ("12 May 2025, Bookwell wrote:").
 *
 * @param lines Cleaned lines.
 * @param i     The attribution's first line.
 * @param span  How many lines it spans.
 */
function introducesRelayedMessage(
	lines: readonly string[],
	i: number,
	span: number
): boolean {
	const attribution = lines.slice( i, i + span ).join( ' ' );
	if (
		ATTRIBUTION_START.test( attribution ) ||
		attribution.includes( '@' )
	) {
		return false;
	}
	// The platform's pointer, within the message's length below (lines joined: it may wrap).
	const below = lines.slice( i + span, i + span + 40 ).join( ' ' );
	const pointer = REPLY_REACHES_SENDER.exec( below );
	if ( pointer === null ) {
		return false;
	}
	// The writer's name: the capitalised words before any details in brackets or after a comma.
	const writer = ( attribution.split( /[(,]/u )[ 0 ] ?? '' )
		.split( /\s+/u )
		.filter( ( word ) => /^\p{Lu}\p{L}{2,}/u.test( word ) );
	const sentence = below
		.slice( pointer.index )
		.split( /(?<=[.!?])\s/u, 1 )[ 0 ] as string;
	// The person it reaches, not the platform it goes through ("… sent to Priya via Bookwell").
	const sentenceWords = new Set(
		sentence
			.replace(
				/(?<!\p{L})(?:via|through|über|par|tramite|por|pelo|pela)\s+\S+/giu,
				''
			)
			.split( /[^\p{L}]+/u )
	);
	return writer.some( ( word ) => sentenceWords.has( word ) );
}

/**
 * Where the quotation that ends a text starts: the attribution line ("On … wrote:") above the
 * quoted lines that run to the end, or -1. Looked for from a line on only.
 *
 * @param lines Cleaned lines.
 * @param from  The first line it may start at.
 */
function trailingQuotationAt( lines: readonly string[], from: number ): number {
	let last = lines.length - 1;
	let quoted = false;
	while (
		last >= from &&
		( lines[ last ] === '' || isQuote( lines[ last ] as string ) )
	) {
		quoted ||= lines[ last ] !== '';
		last--;
	}
	if ( ! quoted ) {
		return -1;
	}
	// Gmail wraps a long attribution over up to three lines.
	for ( let start = Math.max( from, last - 2 ); start <= last; start++ ) {
		if ( attributionAt( lines, start ) === last - start + 1 ) {
			return start;
		}
	}
	return -1;
}

/**
 * Where a forwarded email starts below a line (within a short signature), or -1: its title, or
 * in a forward (by its subject) the header block Outlook puts there instead of a title.
 *
 * @param lines     Cleaned lines.
 * @param from      The signature's first line.
 * @param forwarded Whether the email is a forward by its subject.
 */
function forwardTitleAfter(
	lines: readonly string[],
	from: number,
	forwarded: boolean
): number {
	const end = Math.min( lines.length, from + 12 );
	for ( let i = from + 1; i < end; i++ ) {
		const line = lines[ i ] as string;
		if ( isForwardTitle( line ) ) {
			return i;
		}
		if (
			forwarded &&
			( headerBlockAt( lines, i ) ||
				( /^_{8,}$/.test( line ) &&
					headerBlockAt( lines, nextIndex( lines, i + 1 ) ) ) )
		) {
			return i;
		}
	}
	return -1;
}

/**
 * Where the quoted lines start when an attribution follows line `at` and quotes follow it with
 * the sender's answers between them, or -1. When nothing of the sender's stands above the
 * tagline (a phone puts "Sent from my iPad" on top of a bottom-posted reply), the quote may
 * also follow it straight away, its attribution quoted or left out.
 *
 * @param lines Cleaned lines.
 * @param at    A tagline's line.
 * @param bare  Whether nothing but blank or tracking lines stands above the tagline.
 */
function interleavedAnswersAfter(
	lines: readonly string[],
	at: number,
	bare: boolean
): number {
	const j = nextIndex( lines, at + 1 );
	if ( j <= at ) {
		return -1;
	}
	const span = attributionAt( lines, j );
	if ( span === 0 && ! ( bare && isQuote( lines[ j ] as string ) ) ) {
		return -1;
	}
	const from = j + span;
	const quoteAt = nextIndex( lines, from );
	if ( ! isQuote( lines[ quoteAt ] as string ) ) {
		return -1;
	}
	// Some line after the quote that is neither quoted nor blank: an answer.
	const answered = lines
		.slice( quoteAt )
		.some( ( l ) => l !== '' && ! isQuote( l ) );
	return answered ? from : -1;
}

function nextIndex( lines: readonly string[], from: number ): number {
	let j = from;
	while ( j < lines.length - 1 && lines[ j ] === '' ) {
		j++;
	}
	return Math.min( j, lines.length - 1 );
}

/**
 * Lines the sender wrote between quoted lines (interleaved answers), up to a signature or a
 * non-quoted history block.
 *
 * @param raw   Original lines (indentation kept).
 * @param lines Cleaned lines.
 * @param from  First line after the attribution.
 */
function interleaved(
	raw: readonly string[],
	lines: readonly string[],
	from: number
): string[] {
	const kept: string[] = [];
	for ( let i = from; i < lines.length; i++ ) {
		const line = lines[ i ] as string;
		if ( isSignatureStart( line ) || isGroupwiseAttribution( line ) ) {
			break;
		}
		if ( headerBlockAt( lines, i ) || historyTitleAt( lines, i ) ) {
			break;
		}
		if ( isQuote( line ) || attributionAt( lines, i ) > 0 ) {
			kept.push( '' );
			continue;
		}
		kept.push( raw[ i ] as string );
	}
	return kept;
}

/** Where a client left an inline image out of the text: "[image: chart.png]", "[cid:…]". */
const IMAGE_PLACEHOLDER = /^\[(?:image: [^\]]*|cid:[^\]\s]+)\]$/i;

/**
 * The line without trailing blanks (spaces, tabs, no-break spaces); the last character is
 * looked at first, since a pattern anchored at the end is tried at every position.
 *
 * @param line A line.
 */
function trimLineEnd( line: string ): string {
	const last = line.charCodeAt( line.length - 1 );
	return last === 0x20 || last === 0x09 || last === 0xa0
		? line.replace( /(?<![ \t\u00a0])[ \t\u00a0]+$/, '' )
		: line;
}

/**
 * The kept lines as the reply's text: without image placeholders and tracking lines, without
 * trailing blanks, at most one blank line in a row.
 *
 * @param lines     Lines kept (indentation kept).
 * @param cleanLine clean(), or plain trimming where the text has nothing else to clean.
 */
function tidy(
	lines: readonly string[],
	cleanLine: ( line: string ) => string
): string {
	const text = lines
		.filter( ( l ) => {
			const c = cleanLine( l );
			return ! IMAGE_PLACEHOLDER.test( c ) && ! TRACKING_LINE.test( c );
		} )
		.map( trimLineEnd )
		.join( '\n' );
	return (
		text.includes( '\n\n\n' ) ? text.replace( /\n{3,}/g, '\n\n' ) : text
	).trim();
}

/**
 * The lines without a device tagline that closes them: iPhone Mail puts "Sent from my iPhone"
 * under a forwarded email, which is otherwise kept whole.
 *
 * @param lines Lines kept (indentation kept).
 */
function withoutClosingTagline( lines: string[] ): string[] {
	let last = lines.length - 1;
	while ( last >= 0 && clean( lines[ last ] as string ) === '' ) {
		last--;
	}
	const line = last >= 0 ? clean( lines[ last ] as string ) : '';
	return isTagline( line ) || DEVICE_TAGLINE.test( line )
		? lines.slice( 0, last )
		: lines;
}

/**
 * The lines without the sender's own signature under an inline forward's end line ("-----
 * End forwarded message -----", "===8<=====End of original message text====="): below it the text
 * is the forwarder's again, so a "-- " signature there goes. One inside the forwarded message
 * (above the end line, or in a forward without one) is the forwarded content and stays.
 *
 * @param lines     Lines kept (indentation kept).
 * @param cleanLine How a line is cleaned.
 */
function withoutSignatureAfterForward(
	lines: string[],
	cleanLine: ( line: string ) => string
): string[] {
	// Most replies hold no "-- " line at all: no need to look for an end line in them.
	if ( ! lines.some( ( line ) => cleanLine( line ) === '--' ) ) {
		return lines;
	}
	let end = -1;
	for ( let i = lines.length - 1; i >= 0; i-- ) {
		if ( isForwardEnd( cleanLine( lines[ i ] as string ) ) ) {
			end = i;
			break;
		}
	}
	if ( end === -1 ) {
		return lines;
	}
	for ( let i = end + 1; i < lines.length; i++ ) {
		if ( cleanLine( lines[ i ] as string ) === '--' ) {
			return lines.slice( 0, i );
		}
	}
	return lines;
}

export interface ReplyOptions {
	/** The "reply above this line" text of our notifications. */
	readonly marker: string;
	/** The email's subject: a forward's first header block is content, not history. */
	readonly subject?: string;
	/** Whether the email names an email it answers (In-Reply-To). */
	readonly answersMessage?: boolean;
	/** Keep the signature and taglines: only quoted history is cut (what the sender's side wrote). */
	readonly keepSignature?: boolean;
	/** Only the sender's note: a forwarded email below it is cut like history. */
	readonly noteOnly?: boolean;
}

/**
 * What the sender wrote this time.
 *
 * Top-posted replies end at the first history boundary (our marker, an attribution line, an
 * Outlook header block, "-----Original Message-----") or at a signature/tagline. Replies written
 * between quoted lines keep those answers. A forward keeps the forwarded email. Never returns
 * nothing when the email has text: an unusual layout keeps the whole body.
 *
 * @param text    Plain text of the email (quoted HTML marked with "> ").
 * @param options Marker and subject.
 */
export function extractReply( text: string, options: ReplyOptions ): string {
	let body = text.includes( '\r' ) ? text.replace( /\r\n?/g, '\n' ) : text;
	const marker = options.marker.trim();
	const markerAt = marker !== '' ? body.indexOf( marker ) : -1;
	if ( markerAt !== -1 ) {
		// The marker's own line may carry a quote prefix or an attribution above it.
		body = body.slice( 0, body.lastIndexOf( '\n', markerAt ) + 1 );
	}
	const raw = body.split( '\n' );
	// Asked once of the whole text rather than of every line (most texts have neither).
	const cleanLine = BIDI_OR_NBSP.test( body ) ? clean : trimmed;
	const lines = raw.map( cleanLine );
	const subject = options.subject ?? '';
	const noteOnly = options.noteOnly === true;
	const forwarded =
		! noteOnly &&
		( FORWARD_SUBJECT.test( subject ) ||
			( options.answersMessage !== true &&
				( ( AMBIGUOUS_FORWARD_SUBJECT.test( subject ) &&
					vsForwards( lines ) ) ||
					saysItForwards( lines ) ) ) );
	const boundary = findBoundary( lines, {
		forwarded,
		answering:
			! forwarded &&
			( options.answersMessage === true || REPLY_PREFIX.test( subject ) ),
		keepSignature: options.keepSignature === true,
		appTaglines: APP_PLATFORM.test( body ),
		noteOnly,
	} );
	// A note signed or taglined above a forwarded email: the note, then the forward.
	const forwardAt =
		boundary?.kind === 'signature' && ! noteOnly
			? forwardTitleAfter( lines, boundary.at, forwarded )
			: -1;
	// A tagline right above an attribution and quoted lines answered in between (Proton Mail
	// puts "Sent with Proton Mail" there): the answers below are the sender's too.
	// With nothing above the tagline, the quote may follow it at once: the sender bottom-posted.
	const answersAt =
		boundary?.kind === 'signature' && lines[ boundary.at ] !== '--'
			? interleavedAnswersAfter(
					lines,
					boundary.at,
					lines
						.slice( 0, boundary.at )
						.every( ( l ) => l === '' || TRACKING_LINE.test( l ) )
				)
			: -1;
	let kept: string[];
	if ( boundary === null ) {
		kept = raw;
	} else if ( answersAt !== -1 ) {
		kept = [
			...raw.slice( 0, ( boundary as { at: number } ).at ),
			...interleaved( raw, lines, answersAt ),
		];
	} else if ( boundary.kind === 'quote-history' ) {
		kept = [
			...raw.slice( 0, boundary.at ),
			...interleaved( raw, lines, boundary.at + boundary.skip ),
		];
	} else if ( forwardAt !== -1 ) {
		kept = [ ...raw.slice( 0, boundary.at ), ...raw.slice( forwardAt ) ];
	} else {
		kept = raw.slice( 0, boundary.at );
		// Above the rule, the newest comment under its own author and date: the text is
		// what follows them.
		if ( COMMENT_RULE.test( lines[ boundary.at ] as string ) ) {
			const first = lines.findIndex(
				( l ) => l !== '' && ! TRACKING_LINE.test( l )
			);
			if (
				first !== -1 &&
				first < boundary.at &&
				commentHeaderAt( lines, first )
			) {
				kept = raw.slice(
					nextIndex( lines, first + 1 ) + 1,
					boundary.at
				);
			}
		}
	}
	// After a cut at our marker, the client's attribution line of our quoted notification is
	// the boundary found above.
	const reply = tidy(
		options.keepSignature === true
			? kept
			: withoutClosingTagline(
					withoutSignatureAfterForward( kept, cleanLine )
				),
		cleanLine
	);
	if ( reply !== '' ) {
		return reply;
	}
	// Nothing but a tagline above the quoted message (a photo sent from a phone): the sender
	// wrote nothing. Any other layout that leaves nothing keeps the whole body.
	return boundary?.kind === 'signature' && endsOwnText( lines, boundary.at )
		? ''
		: text.replace( /\r\n?/g, '\n' ).trim();
}
