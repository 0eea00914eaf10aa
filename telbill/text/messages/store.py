"""Texts of the store: telbill's own files, journals and undo records, files a save may not touch."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # telbill's own files (audit log, locks, journals, undo records, full copies) -------------
    "own.link": (("{path} is a symbolic link: telbill never opens its own files (audit log, lock, journal, "
                  "backup) through a link, so it was not used"),
                 "{path} 是符号链接：telbill 从不通过链接打开自己的文件（审计日志、锁、日志、备份），因此未使用它"),
    "own.not_regular": ("{path} is not a regular file (a FIFO, a device or a folder), so it was not used",
                        "{path} 不是普通文件（管道、设备或文件夹），因此未使用它"),
    "own.not_owner": (("{path} belongs to another user (uid {uid}): telbill uses only its own files there, "
                       "so it was not used"),
                      "{path} 属于另一个用户（uid {uid}）：telbill 在此只使用自己的文件，因此未使用它"),
    "own.hard_link": (("{path} has {links} names (hard links): telbill writes only files of its own that have one "
                       "name, so it was not used"),
                      "{path} 有 {links} 个名字（硬链接）：telbill 只写入只有一个名字的自有文件，因此未使用它"),
    # links another user planted (run as root) ---------------------------------------------
    "input.foreign_link": (("{path}: {link} is a link made by another user (uid {uid}) to what they do not own; "
                            "run as root, telbill does not follow it"),
                           ("{path}：{link} 是另一个用户（uid {uid}）建立的链接，指向不属于该用户的文件；"
                            "以 root 运行时 telbill 不跟随它")),
    "output.foreign_link": (("{path}: {link} is a link made by another user (uid {uid}) to what they do not own; "
                             "run as root, telbill does not write through it"),
                            ("{path}：{link} 是另一个用户（uid {uid}）建立的链接，指向不属于该用户的文件；"
                             "以 root 运行时 telbill 不通过它写入")),
    "data.foreign_link": (("{path} is reached through {link}, a link another user (uid {uid}) made to what they do "
                           "not own: run as root, telbill does not change it (nothing was changed)"),
                          ("{path} 经由 {link} 到达，这是另一个用户（uid {uid}）建立、指向不属于该用户文件的链接："
                           "以 root 运行时 telbill 不修改它（未做任何改动）")),
    # data files a save may not touch -------------------------------------------------------
    "data.damaged": (("{path} is not valid {encoding} from byte {offset} on, though its byte-order mark says it is: "
                      "telbill does not change it (nothing was changed)"),
                     ("{path} 的字节顺序标记声明为 {encoding}，但从第 {offset} 字节起不是有效的 {encoding}："
                      "telbill 不修改它（未做任何改动）")),
    "data.locked": (("another program holds a lock (flock) on {path} and did not let it go within {seconds} s: "
                     "nothing was changed; try again"),
                    "另一个程序对 {path} 持有锁（flock），{seconds} 秒内未释放：未做任何改动，请重试"),
    "data.lock_held": (("another program holds the lock {lock} of {path} and did not let it go within {seconds} s: "
                        "nothing was changed; try again"),
                       "另一个程序持有 {path} 的锁 {lock}，{seconds} 秒内未释放：未做任何改动，请重试"),
    "batch.lock_held": (("another program holds the lock {lock} of {path} and did not let it go within {seconds} s: "
                         "no bill was written; try again"),
                        "另一个程序持有 {path} 的锁 {lock}，{seconds} 秒内未释放：未写出任何账单，请重试"),
    "output.lock_held": (("another program, such as another run writing {path}, holds its lock {lock} and did not let "
                          "it go within {seconds} s: nothing was written; try again"),
                         "另一个程序（例如另一次正在写 {path} 的运行）持有其锁 {lock}，{seconds} 秒内未释放：未写出任何文件，请重试"),
    "lock.waiting": ("Waiting for the lock {lock}, held by another program (at most {seconds} s; Ctrl-C stops)…",
                     "正在等待锁 {lock}，它被另一个程序持有（最多 {seconds} 秒；Ctrl-C 可中止）…"),
    "notice.encoding.utf-16-damaged": (("{path}: starts with a UTF-16 byte-order mark but is not all valid UTF-16: "
                                        "the lines that are were read, the others are bad lines; telbill will not "
                                        "change this file"),
                                       ("{path}：以 UTF-16 字节顺序标记开头，但并非全部是有效的 UTF-16："
                                        "有效的行已读取，其余为错误行；telbill 不会修改此文件")),
    "notice.encoding.gb18030+utf-8": (("{path}: valid both as UTF-8 and as GB18030; read it as GB18030, the "
                                       "reading that gives Chinese text (a save keeps it GB18030)"),
                                      ("{path}：既是有效的 UTF-8 也是有效的 GB18030；已按 GB18030 读取，"
                                       "这样读出的是中文（保存时仍为 GB18030）")),
    "notice.encoding.utf-8+gb18030": (("{path}: valid both as UTF-8 and as GB18030; read it as UTF-8, though only "
                                       "GB18030 gives Chinese text there (a save keeps it UTF-8)"),
                                      ("{path}：既是有效的 UTF-8 也是有效的 GB18030；已按 UTF-8 读取，"
                                       "但只有按 GB18030 读取才是中文（保存时仍为 UTF-8）")),
    # journals and undo records ----------------------------------------------------------
    "recovery.bad_journal": (("{path}: the journal of a save cut short is not as telbill writes it (field {field}); "
                              "it was moved aside as {aside} and not used: the files are as that save left them"),
                             ("{path}：一次被中断的保存的日志不是 telbill 写的格式（字段 {field}）；已移到 {aside}，"
                              "未使用：文件保持那次保存留下的状态")),
    "recovery.not_ours": (("{path}: {reason}; the journal was moved aside as {aside}: the files are as that save "
                           "left them"),
                          "{path}：{reason}；该日志已移到 {aside}：文件保持那次保存留下的状态"),
    "recovery.refused": (("{path}: a journal that names files telbill does not keep here was moved aside as {aside} "
                          "and not used (nothing it names was removed)"),
                         ("{path}：该日志涉及 telbill 在此处不管理的文件，已移到 {aside}，未使用"
                          "（其中提到的文件均未删除）")),
    "record.bad": (("{path}: not an undo record as telbill writes it (field {field}); moved aside as {aside} and "
                    "not used"),
                   "{path}：不是 telbill 写的撤销记录（字段 {field}）；已移到 {aside}，未使用"),
    "record.not_ours": ("{path} in the backup folder was not used: {reason}",
                        "备份文件夹中的 {path} 未被使用：{reason}"),
    "record.unreadable": ("{path}: the undo record cannot be read ({reason}); it was not used",
                          "{path}：无法读取撤销记录（{reason}），未使用"),
    "record.does_not_fit": ("the undo record of {path} does not fit the file as it is now; nothing was changed",
                            "{path} 的撤销记录与文件当前内容不符；未做任何改动"),
    # a program that kept appending to a file telbill replaced -----------------------------
    "watch.found": (("{count} line(s) that another program wrote into {path} after telbill had replaced it were "
                     "added at its end (audit action found-line): {lines}"),
                    ("另一个程序在 telbill 替换 {path} 之后写入旧文件的 {count} 行已添加到文件末尾"
                     "（审计动作 found-line）：{lines}")),
    "watch.failed": (("lines another program wrote into {path} after telbill had replaced it could not be added yet "
                      "({reason}); they are tried again at the next step"),
                     "另一个程序在 telbill 替换 {path} 之后写入旧文件的内容暂时无法添加（{reason}）；将在下一步再试"),
    "action.found-line": ("added a line found in a replaced file", "添加在被替换文件中发现的行"),
}
